//! The two shapes every migration repeats, written once: a foreign key to a parent table's `id`,
//! and an index over a few columns. A migration reads as its list of tables, columns, keys and
//! indexes; the statements they become are built here.

use sea_orm_migration::prelude::*;

/// The foreign key `name` from `table.column` to `parent.id`, with what deleting the parent does.
pub fn references(
    name: &str,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    parent: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(table, column).to(parent, Alias::new("id")).on_delete(on_delete).to_owned()
}

/// Creates the index `name` on `table` over `columns`, in that order.
pub async fn index<C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: impl IntoIterator<Item = C>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(DeriveIden)]
    enum Sessions {
        Table,
        UserId,
    }

    #[derive(DeriveIden)]
    enum Users {
        Table,
    }

    #[test]
    fn a_reference_points_at_the_parents_id() {
        let key = references("fk_sessions_user", Sessions::Table, Sessions::UserId, Users::Table, ForeignKeyAction::Cascade);
        let sql =
            Table::create().table(Sessions::Table).col(ColumnDef::new(Sessions::UserId).string()).foreign_key(&mut key.clone()).to_string(PostgresQueryBuilder);
        assert!(sql.contains(r#"CONSTRAINT "fk_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE"#), "{sql}");
    }
}
