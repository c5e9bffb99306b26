//! The shopper's notifications as the visit knows them: the unread count the header's bell
//! shows, moved by the live connection's notification frames and by `/notifications` marking
//! some read. A notification that arrives is also announced as a toast, except an order's
//! status on an orders page, which announces order events itself.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Inbox {
    pub unread: RwSignal<u64>,
}

impl Inbox {
    /// The visit's inbox. In the browser it listens to the live connection for the whole
    /// visit, once, whichever island asked first.
    pub fn get() -> Inbox {
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            thread_local!(static INBOX: std::cell::OnceCell<Inbox> = const { std::cell::OnceCell::new() });
            super::visit_state(&INBOX, || {
                let inbox = Inbox { unread: RwSignal::new(0) };
                inbox.follow_live();
                inbox
            })
        }
        #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
        {
            use_context::<Inbox>().unwrap_or_else(|| {
                let inbox = Inbox { unread: RwSignal::new(0) };
                provide_context(inbox);
                inbox
            })
        }
    }

    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    fn follow_live(self) {
        use super::live::{ConnState, Live, LiveMsg};
        use super::toast::{use_toasts, Tone};
        use domain::notification::NotificationKind;
        let live = Live::get();
        live.listen(move |msg| {
            let LiveMsg::Notification { notification, unread } = msg else { return };
            self.unread.set(*unread);
            let on_orders_page = web_sys::window().and_then(|w| w.location().pathname().ok()).is_some_and(|p| p.starts_with("/orders"));
            if notification.kind == NotificationKind::BackInStock || !on_orders_page {
                use_toasts().push(Tone::Info, notification.title.clone());
            }
        });
        // A notification that came while the connection was down has no frame: every time the
        // connection is live again, the count is read afresh.
        Effect::new(move |_| {
            if live.state.get() == ConnState::Live {
                leptos::task::spawn_local(async move {
                    if let Ok(n) = crate::api::notifications::unread_notifications().await {
                        self.unread.set(n);
                    }
                });
            }
        });
    }
}

/// The header's bell: a link to `/notifications` with the unread count, announced in its name.
/// `unread` is the count when the page was rendered; the live connection moves it on. Lazy: it
/// shows only to signed-in shoppers, so the catalog's first load for visitors carries none of
/// it (P5); until its chunk arrives the server's count stands.
#[island(lazy)]
pub fn NotificationBell(unread: u64) -> impl IntoView {
    let inbox = Inbox::get();
    inbox.unread.set(unread);
    let count = inbox.unread;
    view! {
        <a
            href="/notifications"
            data-testid="notification-bell"
            class="relative rounded-lg p-1.5 sm:p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
            aria-label=move || match count.get() {
                0 => "Notifications, none unread".to_owned(),
                1 => "Notifications, 1 unread".to_owned(),
                n => format!("Notifications, {n} unread"),
            }
        >
            <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
                <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
            </svg>
            <span
                data-testid="notification-count"
                aria-hidden="true"
                class=move || {
                    if count.get() == 0 {
                        "hidden"
                    } else {
                        "absolute -right-1 -top-1 flex h-5 min-w-5 items-center justify-center rounded-full bg-rose-600 px-1 text-[11px] font-semibold text-white"
                    }
                }
            >
                {move || count.get()}
            </span>
        </a>
    }
}
