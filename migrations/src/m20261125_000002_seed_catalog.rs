//! The seeded catalog: thirteen products, each with an illustration shipped in `public/images/`.
//! Prices are integer cents. Two products start with little or no stock so that the catalog
//! shows "Only 3 left" and "Out of stock" from the first run.

use sea_orm_migration::prelude::*;

use crate::m20261125_000001_schema::Products;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (id, name, category, price in cents, stock, description)
const CATALOG: &[(&str, &str, &str, i64, i32, &str)] = &[
    ("aurora-headphones", "Aurora Wireless Headphones", "Audio", 19_999, 25, "Over-ear headphones with active noise cancelling and 40 hours of battery life."),
    ("pulse-earbuds", "Pulse Earbuds", "Audio", 8_900, 40, "True wireless earbuds with a pocket-sized charging case and clear calls."),
    ("nimbus-speaker", "Nimbus Bluetooth Speaker", "Audio", 12_950, 15, "360° sound in a splash-proof body that fills a room and fits a backpack."),
    ("vista-monitor", "Vista 27\" 4K Monitor", "Computing", 37_900, 8, "A colour-accurate 27-inch 4K panel with USB-C power delivery."),
    ("glide-mouse", "Glide Ergonomic Mouse", "Computing", 4_999, 60, "A sculpted wireless mouse that keeps your wrist at a natural angle."),
    ("tactile-keyboard", "Tactile Mechanical Keyboard", "Computing", 13_900, 20, "Hot-swappable tactile switches, aluminium frame, warm white backlight."),
    ("summit-backpack", "Summit Laptop Backpack", "Accessories", 7_495, 30, "Weather-resistant 22 L backpack with a padded sleeve for 16-inch laptops."),
    ("orbit-watch", "Orbit Smart Watch", "Wearables", 24_900, 12, "Always-on display, heart-rate and sleep tracking, a week on one charge."),
    ("stride-band", "Stride Fitness Band", "Wearables", 5_999, 3, "A slim band that counts steps, tracks workouts and nudges you to move."),
    ("lumen-lamp", "Lumen Desk Lamp", "Home", 6_400, 18, "An articulated LED lamp with dimming and adjustable colour temperature."),
    ("brew-kettle", "Brew Pour-Over Kettle", "Home", 4_550, 0, "A gooseneck kettle for a steady, precise pour. Back in stock soon."),
    ("canvas-notebook", "Canvas Notebook Set", "Stationery", 1_875, 100, "Two dot-grid notebooks with lay-flat binding and a smooth gel pen."),
    ("ridge-mug", "Ridge Ceramic Mug", "Home", 1_600, 50, "A ribbed stoneware mug that keeps coffee warm and hands cool."),
];

const SEEDED_AT_MS: i64 = 1_764_028_800_000; // 2025-11-25T00:00:00Z

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table(Products::Table).columns([
            Products::Id,
            Products::Name,
            Products::Description,
            Products::Category,
            Products::PriceCents,
            Products::Stock,
            Products::Image,
            Products::CreatedAt,
        ]);
        for (id, name, category, price, stock, description) in CATALOG {
            insert.values_panic([
                (*id).into(),
                (*name).into(),
                (*description).into(),
                (*category).into(),
                (*price).into(),
                (*stock).into(),
                format!("/images/{id}.svg").into(),
                SEEDED_AT_MS.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ids: Vec<&str> = CATALOG.iter().map(|p| p.0).collect();
        manager.exec_stmt(Query::delete().from_table(Products::Table).and_where(Expr::col(Products::Id).is_in(ids)).to_owned()).await
    }
}
