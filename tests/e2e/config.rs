//! The documentation of the configuration stays complete.

use gatehouse_api::settings::VARIABLES;

fn read(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    std::fs::read_to_string(format!("{root}{path}")).expect("read file")
}

#[test]
fn readme_documents_every_variable() {
    let readme = read("README.md");
    for variable in VARIABLES {
        let base = variable.trim_end_matches("_FILE");
        assert!(
            readme.contains(&format!("`{variable}`")) || readme.contains(&format!("`{base}`")),
            "README.md does not document {variable}"
        );
    }
}

#[test]
fn env_example_lists_every_variable() {
    let example = read("deploy/env.example");
    for variable in VARIABLES {
        assert!(
            example.contains(&format!("{variable}=")),
            "deploy/env.example does not list {variable}"
        );
    }
}
