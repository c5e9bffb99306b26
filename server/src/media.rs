//! Uploaded product pictures: staff's upload (`POST /staff/products/{id}/picture`, a plain
//! multipart form that works without WASM) and the files it made (`/media/{name}`).
//!
//! The upload is an axum handler, not a server function, because it is the one request that may
//! be megabytes long: it has its own body limit, while every other request keeps the small one.
//! Files are served only under names a picture can have (`domain::picture::is_media_name`), from
//! the media directory alone, with a year's immutable cache: a name never changes meaning.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tower_http::services::ServeDir;

use crate::startup::AppState;
use app::error::AppError;
use backend::ShopError;
use domain::picture::MAX_UPLOAD_BYTES;

/// The upload route's body limit: the picture and the form around it.
pub const UPLOAD_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;

pub async fn serve(State(state): State<AppState>, UrlPath(name): UrlPath<String>, mut req: Request) -> Response {
    if !domain::picture::is_media_name(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(uri) = format!("/{name}").parse() else { return StatusCode::NOT_FOUND.into_response() };
    *req.uri_mut() = uri;
    crate::assets::serve_immutable(ServeDir::new(state.shop.media_dir()), req).await
}

/// A new picture for a product. Success and failure both go back to the product's page: with
/// `?saved=picture`, or with the reason in the form's flash.
pub async fn upload(State(state): State<AppState>, UrlPath(id): UrlPath<String>, headers: HeaderMap, form: Result<Multipart, MultipartRejection>) -> Response {
    let page = format!("/staff/products/{}", app::api::account::urlencode(&id));
    let session = match app::api::cookies::session_token(&headers) {
        Some(token) => backend::sessions::current(&state.shop, &token).await.ok().flatten(),
        None => None,
    };
    let Some(session) = session else {
        return Redirect::to(&format!("/login?next={}", app::api::account::urlencode(&page))).into_response();
    };
    if !session.is_staff() {
        return (StatusCode::FORBIDDEN, "This is for staff only.").into_response();
    }
    let result = match read_picture(form).await {
        Ok(bytes) => backend::catalog::admin::set_picture(&state.shop, &session, &id, bytes).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("{page}?saved=picture")).into_response(),
        Err(AppError::NotFound) => (StatusCode::NOT_FOUND, "No such product.").into_response(),
        Err(e) => {
            let mut response = Redirect::to(&page).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&app::api::forms::flash::cookie_for("picture", e)) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
    }
}

/// The `image` field's bytes, or why there are none.
async fn read_picture(form: Result<Multipart, MultipartRejection>) -> Result<Vec<u8>, AppError> {
    let refused = |m: String| AppError::from(ShopError::Invalid(field_error(m)));
    let too_large = || refused(format!("The picture is larger than {} MB.", MAX_UPLOAD_BYTES / (1024 * 1024)));
    let mut form = form.map_err(|_| refused("Send the picture from the form (multipart/form-data).".into()))?;
    while let Some(field) =
        form.next_field()
            .await
            .map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { refused("The upload was cut short.".into()) })?
    {
        if field.name() == Some("image") {
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    refused("The upload was cut short.".into())
                }
            })?;
            if bytes.is_empty() {
                return Err(refused("Choose a picture to upload.".into()));
            }
            return Ok(bytes.to_vec());
        }
    }
    Err(refused("Choose a picture to upload.".into()))
}

fn field_error(message: String) -> domain::validation::FieldErrors {
    let mut errors = domain::validation::FieldErrors::default();
    errors.add("image", message);
    errors
}
