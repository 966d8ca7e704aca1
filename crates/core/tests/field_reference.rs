//! The authors' guide lists every request field with its type and meaning: the table between
//! `<!-- fields:start -->` and `<!-- fields:end -->` in docs/authoring.md is the schema's, so it
//! cannot drift. When a field changes, `TCSCREEN_UPDATE_DOCS=1 cargo test -p tcscreen-core
//! --test field_reference` rewrites the table (review the diff); otherwise the failure prints it.

#[test]
fn the_guide_lists_every_request_field_as_the_schema_describes_it() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/authoring.md");
    let guide = std::fs::read_to_string(path).unwrap();
    let documented = guide
        .split("<!-- fields:start -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- fields:end -->").next())
        .expect("the field table is marked");
    let mut table = String::from("| field | type | meaning |\n|---|---|---|\n");
    for (path, field) in tcscreen_core::request::schema::fields() {
        let required = if field.required { ", required" } else { "" };
        table.push_str(&format!(
            "| `{path}` | {}{required} | {} |\n",
            tcscreen_core::request::schema::describe_shape(field.shape),
            field.description.replace('|', "\\|")
        ));
    }
    if documented != table && std::env::var_os("TCSCREEN_UPDATE_DOCS").is_some() {
        std::fs::write(path, guide.replacen(documented, &table, 1)).unwrap();
        return;
    }
    assert!(
        documented == table,
        "docs/authoring.md's field table is out of date; it should read:\n\n{table}"
    );
}
