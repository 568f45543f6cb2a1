"""The README's Python example runs as written, and its model file is the CLI's."""

import contextlib
import io
import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_section():
    text = README.read_text()
    start = text.index("\n## Python\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_readme_example_is_six_lines_and_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", python_section(), re.S)
    assert len(blocks) == 2
    code = blocks[0]
    assert len(code.strip().splitlines()) == 6
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert float(out.getvalue()) > 0.93  # breast cancer test accuracy
    saved = json.loads((tmp_path / "cancer.json").read_text())
    assert saved["format"] == "scratchnet-model" and saved["classes"] == ["0", "1"]


def test_the_readme_install_command_is_the_one_ci_runs():
    assert "pip install ./python" in python_section()
    ci = (README.parent / ".ci" / "run").read_text()
    assert "pip install -q ./python" in ci and "python/tests" in ci


def test_the_readme_raw_table_example_runs_and_saves_the_plan(tmp_path, monkeypatch):
    code = re.findall(r"```python\n(.*?)```", python_section(), re.S)[1]
    fixture = "crates/scratchnet/tests/fixtures/raw_before_impute.csv"
    assert fixture in code
    code = code.replace(fixture, str(README.parent / fixture))
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert list(scope["model"].feature_names_in_) == ["colour", "size", "weight"]
    saved = json.loads((tmp_path / "raw.json").read_text())
    assert saved["version"] == 3 and saved["prep"]["columns"][0]["kind"] == "categorical"
