//! The checked-in `schema.graphql` is the schema the code builds.
//! Rewrite it with `cargo run -q -- export-schema > schema.graphql`.

#[test]
fn schema_graphql_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let built = redress_api::graphql::sdl();
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == built,
        "schema.graphql differs from the schema built from code; \
         run `cargo run -q -- export-schema > schema.graphql` and review the diff"
    );
}
