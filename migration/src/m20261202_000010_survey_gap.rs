//! `complaint.response_gap`: whether a finished complaint's written
//! response falls short of what a surveyor checks (missing, an element
//! blank, no QIO notice where owed, a written complaint resolved at the
//! point of service). Projected from the record on every write, so
//! `surveyReadiness` reads only the finished complaints that fall short
//! instead of every one in the period. NULL for rows written before this
//! column: not known yet, so the report still looks at them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .add_column(boolean_null(Complaint::ResponseGap))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .drop_column(Complaint::ResponseGap)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    ResponseGap,
}
