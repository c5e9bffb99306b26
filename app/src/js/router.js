// Pulse Shop's navigation: a single-page app over server-rendered pages.
//
// After the first page, a click on a same-site link or the submit of a same-site form is sent
// with fetch; the answer (server-rendered HTML, after any redirect) replaces the page in place:
// the new <main> and header markup come in, the header's islands that did not change stay (with
// their state), the new islands hydrate. The WASM module, the live connection, the cart and the
// toasts live for the whole visit. Without JavaScript every link and form works as plain HTML.
// Why each step is there: app/src/state/page.rs.
(() => {
	"use strict";
	if (!window.fetch || !window.DOMParser || !history.pushState) return;

	const LEAVE = "shop:page-leave";
	const ENTER = "shop:page-enter";
	// Paths the server answers with something other than a page.
	const NOT_PAGES = /^\/(pkg|assets|api|ws|metrics|healthz|readyz)(\/|$)/;
	let navigation = 0;
	const root = document.documentElement;
	// The page shown, without its fragment: back/forward between fragments of it fetch nothing.
	let here = withoutHash(location.href);
	// The island script's first pass over the first page is over (its last island marks the body).
	let firstPassDone = false;

	// Each history entry keeps its scroll position (saved when scrolling stops), so back and
	// forward put the page where it was.
	history.scrollRestoration = "manual";
	addEventListener("pagehide", saveScroll);
	let scrolling;
	addEventListener("scroll", () => {
		clearTimeout(scrolling);
		scrolling = setTimeout(saveScroll, 150);
	}, { passive: true });
	if (history.state && history.state.scroll) {
		addEventListener("DOMContentLoaded", () => scrollTo(...history.state.scroll), { once: true });
	}

	// The WASM module says it is running: the islands in the document now are the ones its
	// first pass hydrates; the ones a navigation brings later are hydrated here.
	addEventListener("shop:ready", () => {
		for (const island of document.querySelectorAll("leptos-island")) island.$$hydrated = true;
	});

	addEventListener("click", (ev) => {
		if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.altKey || ev.ctrlKey || ev.shiftKey) return;
		const a = ev.composedPath().find((el) => el instanceof HTMLAnchorElement);
		if (!a || !a.href || (a.target && a.target !== "_self") || a.hasAttribute("download")) return;
		if ((a.getAttribute("rel") || "").split(/\s+/).includes("external") || a.hasAttribute("data-reload")) return;
		const url = new URL(a.href);
		if (!isPage(url)) return;
		// Only the fragment differs: the browser scrolls to it, no page to fetch.
		if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
		ev.preventDefault();
		navigate(url, "push");
	});

	addEventListener("submit", (ev) => {
		if (ev.defaultPrevented) return;
		const form = ev.target;
		if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-reload")) return;
		const submitter = ev.submitter;
		// The form's own attributes, not `form.action` and the like: a field named "action"
		// (or "method", "target") shadows those properties.
		const target = (submitter && submitter.getAttribute("formtarget")) || form.getAttribute("target");
		if (target && target !== "_self") return;
		const method = ((submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "GET").toUpperCase();
		const url = new URL((submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || location.href, location.href);
		if ((method !== "GET" && method !== "POST") || url.origin !== location.origin) return;
		const data = new FormData(form, submitter || undefined);
		ev.preventDefault();
		if (method === "GET") {
			url.search = new URLSearchParams(data).toString();
			if (!isPage(url)) return location.assign(url);
			return navigate(url, "push");
		}
		const body = form.enctype === "multipart/form-data" ? data : new URLSearchParams(data);
		navigate(url, "push", { method, body, form });
	});

	addEventListener("popstate", (ev) => {
		if (withoutHash(location.href) === here) return;
		navigate(new URL(location.href), "pop", {}, ev.state && ev.state.scroll);
	});

	function withoutHash(href) {
		return href.split("#")[0];
	}

	// Resolves when `test()` holds, or after `ms` at the latest.
	function until(test, ms) {
		return new Promise((resolve) => {
			const end = Date.now() + ms;
			(function poll() {
				if (test() || Date.now() > end) resolve();
				else setTimeout(poll, 20);
			})();
		});
	}

	function isPage(url) {
		return url.origin === location.origin && !NOT_PAGES.test(url.pathname);
	}

	function saveScroll() {
		history.replaceState({ ...(history.state || {}), scroll: [scrollX, scrollY] }, "");
	}

	// A form post that failed on the network is sent again the plain way (the browser then
	// shows what happened); a page that failed is loaded the plain way.
	function fallback(url, form) {
		if (form) HTMLFormElement.prototype.submit.call(form);
		else location.assign(url);
	}

	// `how`: "push" (a new history entry) or "pop" (back/forward: the entry exists, its scroll
	// position is restored). A post brings `method`, `body` and its `form`.
	async function navigate(url, how, { method = "GET", body, form } = {}, scroll) {
		const mine = ++navigation;
		const progress = showProgress();
		// Busy from the click until the new page is hydrated: assistive technology waits, and so
		// can anything that must not act on the page being left.
		root.setAttribute("aria-busy", "true");
		try {
			let resp;
			try {
				resp = await fetch(url, { method, body, headers: { Accept: "text/html" } });
			} catch (e) {
				if (mine === navigation) fallback(url, form);
				return;
			}
			if (mine !== navigation) return;
			if (!(resp.headers.get("content-type") || "").includes("text/html")) {
				return location.assign(resp.url);
			}
			const html = await resp.text();
			if (mine !== navigation) return;
			const doc = new DOMParser().parseFromString(html, "text/html");
			// Another build of the shop is answering: only a full load runs its code.
			if (build(doc) !== build(document)) return location.assign(resp.url);
			// The island script's first pass walks the live body: swapping under it would have it
			// hydrate the new page's islands too, twice with ours.
			if (window.__shopReady && !firstPassDone) {
				await until(() => document.body.dataset.hydrated === "true", 5000);
				firstPassDone = true;
				if (mine !== navigation) return;
			}
			if (how !== "pop") saveScroll();
			swap(doc);
			// A post answered without a redirect showed its answer at the page it came from.
			if (how === "push" && (method === "GET" || resp.redirected)) {
				history.pushState({}, "", resp.url + (new URL(resp.url).hash ? "" : url.hash));
			}
			here = withoutHash(location.href);
			const hash = url.hash;
			const anchor = hash && document.getElementById(decodeURIComponent(hash.slice(1)));
			if (scroll) scrollTo(...scroll);
			else if (anchor) anchor.scrollIntoView();
			else scrollTo(0, 0);
			arrive(doc.title);
			await hydrate();
		} finally {
			progress();
			if (mine === navigation) root.removeAttribute("aria-busy");
		}
	}

	function build(doc) {
		const meta = doc.querySelector('meta[name="shop-build"]');
		return meta && meta.content;
	}

	// The new body replaces the old; an island outside <main> that the new page also has, with
	// the same properties, is the old element moved across, so it keeps its state.
	function swap(doc) {
		dispatchEvent(new Event(LEAVE));
		const kept = new Map();
		for (const island of outsideMain(document)) {
			const key = islandKey(island);
			kept.set(key, [...(kept.get(key) || []), island]);
		}
		const moves = [];
		for (const island of outsideMain(doc)) {
			const old = (kept.get(islandKey(island)) || []).shift();
			if (old) {
				const slot = doc.createComment("island");
				island.replaceWith(slot);
				moves.push([slot, old]);
			}
		}
		document.body.removeAttribute("data-hydrated");
		document.body.replaceChildren(...doc.body.childNodes);
		for (const [slot, old] of moves) slot.replaceWith(old);
		document.title = doc.title;
		dispatchEvent(new Event(ENTER));
	}

	function outsideMain(doc) {
		return [...doc.body.querySelectorAll("leptos-island")].filter((el) => !el.closest("main"));
	}

	function islandKey(el) {
		return el.dataset.component + "\u0000" + (el.dataset.props || "");
	}

	// Focus moves to the new page's heading (a screen reader reads it), and the page's title is
	// announced for those who do not hear focus changes.
	function arrive(title) {
		const heading = document.querySelector("main h1") || document.querySelector("main");
		if (heading) {
			if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
			heading.focus({ preventScroll: true });
		}
		let announcer = document.getElementById("route-announcer");
		if (!announcer) {
			announcer = document.createElement("div");
			announcer.id = "route-announcer";
			announcer.className = "sr-only";
			announcer.setAttribute("role", "status");
			announcer.setAttribute("aria-live", "polite");
			document.documentElement.append(announcer);
		}
		announcer.textContent = title;
	}

	async function hydrate() {
		const pending = [];
		if (window.__shopReady && window.__hydrateIsland) {
			for (const island of document.querySelectorAll("leptos-island")) {
				if (island.$$hydrated) continue;
				island.$$hydrated = true;
				pending.push(Promise.resolve(window.__hydrateIsland(island, island.dataset.component)));
			}
			await Promise.allSettled(pending);
			document.body.setAttribute("data-hydrated", "true");
		}
	}

	// A thin bar at the top while a page is on its way, shown only if it takes a moment.
	function showProgress() {
		let bar;
		const timer = setTimeout(() => {
			bar = document.createElement("div");
			bar.setAttribute("role", "progressbar");
			bar.setAttribute("aria-label", "Loading page");
			Object.assign(bar.style, {
				position: "fixed", top: "0", left: "0", height: "3px", width: "30%", zIndex: "60",
				background: "#4f46e5", transition: "width 8s cubic-bezier(.1,.7,.3,1)",
			});
			document.documentElement.append(bar);
			requestAnimationFrame(() => requestAnimationFrame(() => (bar.style.width = "90%")));
		}, 150);
		document.documentElement.setAttribute("aria-busy", "true");
		return () => {
			clearTimeout(timer);
			if (bar) bar.remove();
			document.documentElement.removeAttribute("aria-busy");
		};
	}
})();
