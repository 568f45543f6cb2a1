//! The README's library example is `examples/tutorial.rs`, line for line (CI runs the example).

#[test]
fn readme_library_example_is_the_tutorial_example() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tutorial.rs"))
            .unwrap();
    let start = readme.find("```rust\n").expect("README has a rust block") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let example_lines: Vec<&str> = example.lines().map(str::trim).collect();
    let mut at = 0;
    for line in readme[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match example_lines[at..].iter().position(|l| *l == line) {
            Some(p) => at += p + 1,
            None => panic!("README line not in examples/tutorial.rs (in order): {line}"),
        }
    }
}
