//! `/staff/products/new` and `/staff/products/:id`: the product form, and on an existing product
//! its stock and its place in the catalog (archive, restore).

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{stock_label, INPUT, PRIMARY, SECTION};
use crate::api::staff_catalog::{get_staff_product, ArchiveProduct, ChangeStock, CreateProduct, UpdateProduct};
use crate::components::{ErrorNotice, Field, ProductImage, Skeleton, SuccessNotice};
use crate::pages::form_state::{FormMessages, FormState};
use crate::pages::{RequireUser, StaffOnly};
use domain::catalog::{price_input, StockReason};
use domain::format_cents;
use domain::views::StaffProduct;

#[component]
pub fn NewProductPage() -> impl IntoView {
    view! { <StaffOnly title="New product · Staff"><NewProduct /></StaffOnly> }
}

#[component]
fn NewProduct() -> impl IntoView {
    let form = FormState::new("product", BTreeMap::from([("stock".to_owned(), "0".to_owned())]));
    view! {
        <Back />
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"New product"</h1>
        <section class=SECTION aria-labelledby="details-heading">
            <h2 id="details-heading" class="mb-4 text-lg font-semibold">"Details"</h2>
            <FormMessages form />
            <form method="post" action=CreateProduct::url() class="space-y-4" aria-label="New product">
                <ProductFields form />
                <Field name="stock" label="Units in stock" kind="number" value=form.value("stock") error=form.error("stock") />
                <p class="text-sm text-slate-500 dark:text-slate-400">"The product shows a placeholder picture until one is uploaded."</p>
                <button type="submit" class=PRIMARY>"Create product"</button>
            </form>
        </section>
    }
}

#[component]
pub fn EditProductPage() -> impl IntoView {
    let params = use_params_map();
    let product = Resource::new(move || params.read().get("id").unwrap_or_default(), get_staff_product);
    view! {
        <Title text="Edit product · Staff" />
        <RequireUser staff=true let:_staff>
            <Back />
            <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
                {move || Suspend::new(async move {
                    match product.await {
                        Ok(p) => Either::Left(view! { <Editor product=p /> }),
                        Err(e) => Either::Right(view! { <ErrorNotice message=e.to_string() /> }),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn Back() -> impl IntoView {
    view! {
        <p class="mb-2 text-sm font-medium text-indigo-600 dark:text-indigo-400">
            <a href="/staff/products" class="hover:underline">"← All products"</a>
        </p>
    }
}

#[component]
fn Editor(product: StaffProduct) -> impl IntoView {
    let StaffProduct { product: p, version, archived, updated_at_ms } = product;
    let details = FormState::new(
        "product",
        BTreeMap::from([
            ("name".to_owned(), p.name.clone()),
            ("description".to_owned(), p.description.clone()),
            ("category".to_owned(), p.category.clone()),
            ("price".to_owned(), price_input(p.price_cents)),
        ]),
    );
    let stock = FormState::new("stock", BTreeMap::from([("action".to_owned(), "add".to_owned()), ("reason".to_owned(), "received".to_owned())]));
    let archive = FormState::new("archive", BTreeMap::new());
    let picture_form = FormState::new("picture", BTreeMap::new());
    let saved = use_query_map().read_untracked().get("saved").map(|what| match what.as_str() {
        "created" => "The product was created.",
        "stock" => "The stock was updated.",
        "archived" => "The product was archived: it left the catalog.",
        "restored" => "The product is back in the catalog.",
        "picture" => "The new picture is on the product's pages.",
        _ => "Your changes were saved.",
    });
    let (stock_text, low) = stock_label(p.stock);
    let id = p.id.clone();
    view! {
        <div class="mb-6 flex flex-wrap items-center justify-between gap-4">
            <div class="flex items-center gap-4">
                <ProductImage image=p.image.clone() picture=p.picture.clone() alt=String::new() sizes="96px" width=96 height=72 class="h-18 w-24 rounded-lg object-cover" />
                <div>
                    <h1 class="text-3xl font-bold tracking-tight">{p.name.clone()}</h1>
                    <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">
                        {format!("{} · {} · version {version} · last changed {}", p.category, format_cents(p.price_cents), crate::components::format_time(updated_at_ms))}
                    </p>
                </div>
            </div>
            {(!archived).then(|| view! {
                <a href=format!("/products/{}", p.id) class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"View in shop"</a>
            })}
        </div>
        {saved.map(|said| view! { <SuccessNotice testid="saved-notice">{said}</SuccessNotice> })}
        <div class="grid gap-6 lg:grid-cols-3">
            <section class=format!("{SECTION} lg:col-span-2") aria-labelledby="details-heading">
                <h2 id="details-heading" class="mb-4 text-lg font-semibold">"Details"</h2>
                <FormMessages form=details />
                <form method="post" action=UpdateProduct::url() class="space-y-4" aria-label="Product details">
                    <input type="hidden" name="id" value=id.clone() />
                    <input type="hidden" name="version" value=version />
                    <ProductFields form=details />
                    <button type="submit" class=PRIMARY>"Save changes"</button>
                </form>
            </section>
            <div class="space-y-6">
                <section class=SECTION aria-labelledby="stock-heading">
                    <h2 id="stock-heading" class="text-lg font-semibold">"Stock"</h2>
                    <p class="mb-4 mt-1 text-2xl font-bold tabular-nums" data-testid="stock-level">
                        <span class=if low { "text-amber-700 dark:text-amber-400" } else { "" }>{stock_text}</span>
                    </p>
                    <FormMessages form=stock />
                    <StockForm id=id.clone() form=stock />
                </section>
                <PictureForm id=id.clone() form=picture_form />
                <section class=SECTION aria-labelledby="catalog-heading">
                    <h2 id="catalog-heading" class="text-lg font-semibold">"In the catalog"</h2>
                    <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                        {if archived {
                            "Archived: shoppers do not see it and cannot buy it. Orders that hold it keep it."
                        } else {
                            "On sale. Archiving takes it out of the catalog and out of carts at checkout; orders that hold it keep it."
                        }}
                    </p>
                    <FormMessages form=archive />
                    <form method="post" action=ArchiveProduct::url()>
                        <input type="hidden" name="id" value=id.clone() />
                        <input type="hidden" name="version" value=version />
                        <input type="hidden" name="archived" value=if archived { "false" } else { "true" } />
                        <button type="submit" class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            {if archived { "Restore to the catalog" } else { "Archive product" }}
                        </button>
                    </form>
                </section>
            </div>
        </div>
    }
}

/// Name, description, category and price: the fields of both the new and the edit form.
#[component]
fn ProductFields(form: FormState) -> impl IntoView {
    let description_error = form.error("description");
    view! {
        <Field name="name" label="Name" value=form.value("name") error=form.error("name") />
        <div>
            <label for="field-description" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Description"</label>
            <textarea
                id="field-description"
                name="description"
                rows="4"
                aria-invalid=move || description_error.get().is_some().then_some("true")
                class=format!("{INPUT} mt-1 block w-full")
                prop:value=form.value("description")
            >
                {form.value("description")}
            </textarea>
            <Show when=move || description_error.get().is_some()>
                <p data-testid="error-description" class="mt-1 text-sm text-rose-600 dark:text-rose-400">{move || description_error.get().unwrap_or_default()}</p>
            </Show>
        </div>
        <div class="grid gap-4 sm:grid-cols-2">
            <Field name="category" label="Category" value=form.value("category") error=form.error("category") />
            <Field name="price" label="Price (USD, e.g. 19.99)" value=form.value("price") error=form.error("price") />
        </div>
    }
}

#[component]
fn StockForm(id: String, form: FormState) -> impl IntoView {
    let action = form.value("action");
    let reason = form.value("reason");
    let quantity_error = form.error("quantity");
    view! {
        <form method="post" action=ChangeStock::url() class="space-y-3" aria-label="Change stock">
            <input type="hidden" name="id" value=id />
            <div class="flex gap-2">
                <select name="action" aria-label="Add units or set the count" class=format!("{INPUT} min-w-0 flex-1")>
                    <option value="add" selected=move || action.get() != "set">"Restock +"</option>
                    <option value="set" selected=move || action.get() == "set">"Set count to"</option>
                </select>
                <input
                    name="quantity"
                    type="number"
                    min="0"
                    aria-label="Units"
                    value=form.value("quantity")
                    aria-invalid=move || quantity_error.get().is_some().then_some("true")
                    class=format!("{INPUT} w-24")
                />
            </div>
            <select name="reason" aria-label="Reason" class=format!("{INPUT} w-full")>
                {StockReason::ALL.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=move || reason.get() == r.as_str()>{r.label()}</option>
                }).collect_view()}
            </select>
            <Show when=move || quantity_error.get().is_some()>
                <p data-testid="error-quantity" class="text-sm text-rose-600 dark:text-rose-400">{move || quantity_error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" class=PRIMARY>"Update stock"</button>
        </form>
    }
}

/// A new picture: a plain multipart form posted to the upload route (`server/src/media.rs`).
#[component]
fn PictureForm(id: String, form: FormState) -> impl IntoView {
    let error = form.error("image");
    let max_mb = domain::picture::MAX_UPLOAD_BYTES / (1024 * 1024);
    view! {
        <section class=SECTION aria-labelledby="picture-heading">
            <h2 id="picture-heading" class="text-lg font-semibold">"Picture"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                {format!("PNG, JPEG or WebP, up to {max_mb} MB. The shop keeps resized copies without the file's metadata; browsers that take WebP get WebP.")}
            </p>
            <FormMessages form />
            <form method="post" enctype="multipart/form-data" action=format!("/staff/products/{}/picture", crate::pages::staff_products::encode(&id)) class="space-y-3" aria-label="Upload a picture">
                <label for="field-image" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Picture file"</label>
                <input
                    id="field-image"
                    name="image"
                    type="file"
                    required
                    accept="image/png,image/jpeg,image/webp"
                    aria-invalid=move || error.get().is_some().then_some("true")
                    aria-describedby="field-image-error"
                    class="block w-full text-sm"
                />
                <p id="field-image-error" data-testid="error-image" class="text-sm text-rose-600 dark:text-rose-400">{move || error.get().unwrap_or_default()}</p>
                <button type="submit" class=PRIMARY>"Upload picture"</button>
            </form>
        </section>
    }
}
