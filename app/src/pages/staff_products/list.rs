//! `/staff/products`: every product in a table, searchable, filtered by category and status,
//! a page at a time. A plain GET form drives the filters, so it works without WASM.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{stock_label, INPUT, PRIMARY};
use crate::api::staff_catalog::staff_products;
use crate::components::{ErrorNotice, ProductImage, Skeleton};
use crate::pages::StaffOnly;
use domain::format_cents;
use domain::views::{StaffProduct, StaffProductPage};

#[component]
pub fn StaffProductsPage() -> impl IntoView {
    view! { <StaffOnly title="Products · Staff"><ProductTable /></StaffOnly> }
}

#[component]
fn ProductTable() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let page =
        Resource::new(move || (get("q"), get("category"), get("status"), get("page").parse::<u64>().unwrap_or(1)), |(q, c, s, p)| staff_products(q, c, s, p));
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <p class="text-sm font-medium text-indigo-600 dark:text-indigo-400"><a href="/staff" class="hover:underline">"Staff"</a></p>
                <h1 class="text-3xl font-bold tracking-tight">"Products"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Prices, stock and what is on sale. Every change reaches open catalog pages live."</p>
            </div>
            <a href="/staff/products/new" class=PRIMARY>"New product"</a>
        </div>
        <Suspense fallback=|| view! { <Skeleton rows=4 /> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => Either::Left(view! { <Filters page=p.clone() q=get("q") category=get("category") status=get("status") /> <Rows page=p /> }),
                    Err(e) => Either::Right(view! { <ErrorNotice message=e.to_string() /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(page: StaffProductPage, q: String, category: String, status: String) -> impl IntoView {
    let statuses = [("active", "On sale"), ("archived", "Archived"), ("all", "All")];
    view! {
        <form method="get" action="/staff/products" role="search" aria-label="Filter products" class="mb-4 flex flex-wrap gap-2">
            <input type="search" name="q" value=q aria-label="Search products" placeholder="Search name, description…" class=format!("{INPUT} w-full sm:w-64") />
            <select name="category" aria-label="Category" class=INPUT>
                <option value="" selected=category.is_empty()>"All categories"</option>
                {page.categories.into_iter().map(|c| {
                    let selected = c == category;
                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                }).collect_view()}
            </select>
            <select name="status" aria-label="Status" class=INPUT>
                {statuses.into_iter().map(|(value, label)| {
                    let selected = value == status || (status.is_empty() && value == "active");
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="rounded-lg bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200">"Filter"</button>
        </form>
    }
}

#[component]
fn Rows(page: StaffProductPage) -> impl IntoView {
    let StaffProductPage { products, page, pages, total, .. } = page;
    if products.is_empty() {
        return Either::Left(view! {
            <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700">
                "No products match. " <a href="/staff/products" class="font-semibold text-indigo-600 hover:underline dark:text-indigo-400">"Show all products on sale"</a>
            </p>
        });
    }
    let link = move |to: u64| {
        let query = use_query_map().read_untracked().clone();
        let mut parts: Vec<String> =
            ["q", "category", "status"].iter().filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(&v)))).collect();
        parts.push(format!("page={to}"));
        format!("/staff/products?{}", parts.join("&"))
    };
    Either::Right(view! {
        <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="w-full min-w-[36rem] text-left text-sm" data-testid="staff-products">
                <caption class="sr-only">{format!("Products, page {page} of {pages}")}</caption>
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-3">"Product"</th>
                        <th scope="col" class="px-4 py-3">"Category"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Price"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Stock"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {products.into_iter().map(|p| view! { <Row product=p /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between text-sm text-slate-600 dark:text-slate-300">
            <span>{format!("{total} product{}, page {page} of {pages}", if total == 1 { "" } else { "s" })}</span>
            <span class="flex gap-2">
                {(page > 1).then(|| view! { <a href=link(page - 1) class="rounded-lg border border-slate-300 px-3 py-1.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Previous"</a> })}
                {(page < pages).then(|| view! { <a href=link(page + 1) class="rounded-lg border border-slate-300 px-3 py-1.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Next"</a> })}
            </span>
        </nav>
    })
}

#[component]
fn Row(product: StaffProduct) -> impl IntoView {
    let StaffProduct { product: p, archived, .. } = product;
    let (label, low) = stock_label(p.stock);
    view! {
        <tr data-testid="staff-product-row" data-product-id=p.id.clone()>
            <td class="px-4 py-3">
                <a href=format!("/staff/products/{}", p.id) class="flex items-center gap-3 font-medium hover:text-indigo-600 dark:hover:text-indigo-400">
                    <ProductImage image=p.image.clone() picture=p.picture.clone() alt=String::new() sizes="40px" width=40 height=30 class="h-8 w-10 shrink-0 rounded object-cover" />
                    <span>{p.name.clone()}</span>
                </a>
            </td>
            <td class="px-4 py-3 text-slate-600 dark:text-slate-300">{p.category}</td>
            <td class="px-4 py-3 text-right tabular-nums">{format_cents(p.price_cents)}</td>
            <td class="px-4 py-3 text-right tabular-nums" data-testid="stock">
                <span class=if low { "font-semibold text-amber-700 dark:text-amber-400" } else { "" }>{label}</span>
            </td>
            <td class="px-4 py-3">
                {
                    let (text, class) = if archived {
                        ("Archived", "rounded-full bg-slate-200 px-2 py-0.5 text-xs font-semibold text-slate-700 dark:bg-slate-700 dark:text-slate-200")
                    } else {
                        ("On sale", "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200")
                    };
                    view! { <span class=class>{text}</span> }
                }
            </td>
        </tr>
    }
}

/// Percent-encodes a query value (the same on the server and in the browser).
pub(crate) fn encode(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
