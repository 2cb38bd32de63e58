use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Facility::Table)
                    .if_not_exists()
                    .col(uuid(Facility::Id).primary_key())
                    .col(string_len_uniq(Facility::Code, 32))
                    .col(string_len(Facility::Name, 200))
                    .col(string_len(Facility::TimeZone, 64))
                    .col(string_len(Facility::ApprovalThresholdAmount, 40))
                    .col(string_len(Facility::ApprovalThresholdCurrency, 3))
                    .col(integer(Facility::Version))
                    .col(timestamp_with_time_zone(Facility::CreatedAt))
                    .col(timestamp_with_time_zone(Facility::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Facility::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    Id,
    Code,
    Name,
    TimeZone,
    ApprovalThresholdAmount,
    ApprovalThresholdCurrency,
    Version,
    CreatedAt,
    UpdatedAt,
}
