//! The live catalog: after a catalog event, or an order event that moved stock, every open
//! catalog and product page gets the products as the database has them now.
//!
//! Changes are gathered for a quarter of a second and sent as one frame
//! (`ServerMessage::Catalog`), so a burst of checkouts costs each watching socket a few frames a
//! second however many orders there are. The frame holds the database's values, not the
//! event's: the topic is not trusted, and the database is never older than the event that
//! named a product. Frames are built one at a time, so a later frame never holds older values.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::hub::Hub;
use backend::Shop;
use domain::ServerMessage;

/// How long changes are gathered before a frame goes out.
const GATHER: Duration = Duration::from_millis(250);

#[derive(Default)]
pub struct CatalogFeed {
    products: Mutex<HashSet<String>>,
    /// Orders placed or cancelled: their lines say which products' stock moved.
    orders: Mutex<HashSet<String>>,
    wake: Notify,
}

impl CatalogFeed {
    pub fn product_changed(&self, id: &str) {
        self.products.lock().expect("feed lock").insert(id.to_owned());
        self.wake.notify_one();
    }

    pub fn order_moved_stock(&self, order_id: &str) {
        self.orders.lock().expect("feed lock").insert(order_id.to_owned());
        self.wake.notify_one();
    }

    pub async fn run(self: Arc<Self>, shop: Shop, hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => return,
            }
            tokio::time::sleep(GATHER).await;
            let products: Vec<String> = self.products.lock().expect("feed lock").drain().collect();
            let orders: Vec<String> = self.orders.lock().expect("feed lock").drain().collect();
            if !hub.watches_catalog() {
                continue;
            }
            match frame(&shop, products.clone(), &orders).await {
                Ok(Some(message)) => {
                    hub.publish_catalog(&message);
                }
                Ok(None) => {}
                Err(e) => {
                    // Tried again with the next change, or at the next wake-up.
                    tracing::warn!(error = %e, "reading products for the live catalog failed");
                    self.products.lock().expect("feed lock").extend(products);
                    self.orders.lock().expect("feed lock").extend(orders);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    self.wake.notify_one();
                }
            }
        }
    }
}

async fn frame(shop: &Shop, mut ids: Vec<String>, orders: &[String]) -> Result<Option<ServerMessage>, backend::ShopError> {
    if !orders.is_empty() {
        ids.extend(backend::catalog::products_of_orders(shop.db(), orders).await?);
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(None);
    }
    let (products, archived) = backend::catalog::current(shop.db(), &ids).await?;
    Ok(Some(ServerMessage::Catalog { products, archived }))
}
