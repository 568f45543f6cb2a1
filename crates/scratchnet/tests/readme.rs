//! The README's library examples are compiled code: its first `rust` block is the estimator
//! doctest of the library's front page (`src/lib.rs`, run by `cargo test --doc`), line for
//! line without the doctest's hidden `# ` lines; its second is `examples/tutorial.rs`, line
//! for line and in order (CI runs the example).

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

/// The code blocks of `text` that open with `fence` (e.g. "```rust\n"), in order.
fn blocks<'a>(text: &'a str, fence: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("a closed code block");
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

/// The non-empty lines of a block, trimmed.
fn lines(block: &str) -> Vec<&str> {
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The front page's doctest after "## Train and save a classifier", as a reader sees it.
fn front_page_example() -> String {
    let lib = read("src/lib.rs");
    let doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .filter(|l| !l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect();
    let section = doc
        .find("## Train and save a classifier")
        .expect("lib.rs has the estimator section");
    let fenced = &doc[section..];
    let start = fenced.find("```\n").expect("a doctest") + 4;
    let end = start + fenced[start..].find("```").unwrap();
    fenced[start..end].to_string()
}

#[test]
fn readme_estimator_example_is_the_front_page_doctest() {
    let readme = read("../../README.md");
    let blocks = blocks(&readme, "```rust\n");
    assert!(
        blocks.len() >= 2,
        "README has the estimator and tutorial blocks"
    );
    let doctest = front_page_example();
    assert_eq!(
        lines(blocks[0]),
        lines(&doctest),
        "README's first rust block and lib.rs's estimator doctest differ"
    );
}

#[test]
fn readme_tutorial_example_is_examples_tutorial_rs() {
    let readme = read("../../README.md");
    let blocks = blocks(&readme, "```rust\n");
    let example = read("examples/tutorial.rs");
    let example_lines = lines(&example);
    let mut at = 0;
    for line in lines(blocks[1]) {
        match example_lines[at..].iter().position(|l| *l == line) {
            Some(p) => at += p + 1,
            None => panic!("README line not in examples/tutorial.rs (in order): {line}"),
        }
    }
}
