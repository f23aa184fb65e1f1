"""The human-labelled datasets of a Comity recipe, read like src/train/trainer.cpp reads them.

Covers the dataset kinds recipes/comity-en-1.toml uses: csv/tsv tables with a header row
(`format`, else the file extension; `header`, `delimiter`), a `text` column, `[[datasets.labels]]`
column/value mappings, `constant_labels` and `require` (field equals value). A row labels only
the attributes its mappings name; every other attribute is masked. Datasets with `soft_labels`
(the Perspective jsonl files) are skipped: common.load_perspective already reads them.
Paths are relative to the recipe's folder when `in_repo = true`, else to the data root;
`optional = true` datasets may be absent. Standard library only.
"""

import csv
import os
import sys
import tomllib
from dataclasses import dataclass

import common

csv.field_size_limit(2**31 - 1)  # some posts are longer than csv's 128 KiB default


@dataclass(frozen=True)
class LabelledRow:
    text: str
    labels: dict  # attribute -> target in [0, 1]; absent attributes are masked
    dataset: str
    split: str  # common.split_of(text)


def data_root(data: str) -> str:
    """The shared data root, given it or its perspective/ folder (like common.perspective_dir)."""
    nested = os.path.isdir(os.path.join(data, "perspective"))
    if not nested and os.path.basename(os.path.normpath(data)) == "perspective":
        return os.path.dirname(os.path.abspath(data))
    return data


def _attribute(name: str, where: str) -> str:
    if name not in common.ATTRIBUTES:
        raise ValueError(f"{where}: unknown attribute {name!r}")
    return name


def _table_rows(path: str, spec: dict):
    """Yields (fields dict or None for a malformed row) per non-blank record after the header."""
    fmt = (spec.get("format") or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in ("csv", "tsv", "txt"):
        raise ValueError(f"{path}: unsupported format {fmt!r} (this reader handles csv and tsv)")
    tsv = fmt != "csv"
    delimiter = spec.get("delimiter") or ("\t" if tsv else ",")
    # TSV has no quoting (every byte up to the tab is data), as in src/train/table_reader.cpp.
    options = {"delimiter": delimiter, "quoting": csv.QUOTE_NONE} if tsv else {"delimiter": delimiter}
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        keys = None
        for record in csv.reader(f, **options):
            if not record or record == [""]:
                continue
            if keys is None:
                record[0] = record[0].removeprefix("\ufeff")
                if spec.get("header", True):
                    keys = []
                    for name in record:  # repeated names become name.1, name.2, ...
                        key, n = name, 0
                        while key in keys or (n and key in record):
                            n += 1
                            key = f"{name}.{n}"
                        keys.append(key)
                    continue
                keys = [str(i) for i in range(len(record))]
            yield dict(zip(keys, record)) if len(record) == len(keys) else None


def _valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:  # surrogate-escaped bytes that were not UTF-8
        return False


def read_dataset(path: str, spec: dict, counts: dict):
    name = spec["name"]
    constant = {_attribute(a, name): float(y) for a, y in spec.get("constant_labels", {}).items()}
    mappings = [(m["column"], {str(v): {_attribute(a, name): float(y) for a, y in t.items()}
                               for v, t in m["values"].items()}) for m in spec.get("labels", [])]
    require = spec.get("require", {})
    text_field = spec.get("text", "text")
    for fields in _table_rows(path, spec):
        counts["rows"] += 1
        if fields is None:
            counts["bad_rows"] += 1
            continue
        if any(f in fields and fields[f] != v for f, v in require.items()):
            counts["filtered"] += 1
            continue
        text = fields.get(text_field)
        if text is None or not text.strip(" \t\r\n"):
            counts["no_text"] += 1
            continue
        if not _valid_utf8(text):
            counts["invalid_utf8"] += 1
            continue
        labels = dict(constant)
        for column, values in mappings:  # later mappings override earlier ones, as in the trainer
            labels.update(values.get(fields.get(column), {}))
        if not labels:
            counts["unlabelled"] += 1
            continue
        split = common.split_of(text)
        counts[split] += 1
        yield LabelledRow(text, labels, name, split)


def load_recipe_datasets(recipe_path: str, data: str):
    """(rows, summary): every labelled row of the recipe's non-Perspective datasets, and per
    dataset its path and row counts (or why it was skipped)."""
    with open(recipe_path, "rb") as f:
        recipe = tomllib.load(f)
    recipe_dir = os.path.dirname(os.path.abspath(recipe_path))
    root = data_root(data)
    rows, summary = [], {}
    for spec in recipe.get("datasets", []):
        name = spec["name"]
        if "soft_labels" in spec:
            summary[name] = {"skipped": "soft_labels (Perspective scores, read by common.load_perspective)"}
            continue
        path = os.path.join(recipe_dir if spec.get("in_repo") else root, spec["path"])
        if not os.path.isfile(path):
            if not spec.get("optional"):
                raise FileNotFoundError(f"recipe dataset {name}: {path} not found (and not optional)")
            print(f"recipe dataset {name}: {path} absent (optional), skipped", file=sys.stderr)
            summary[name] = {"path": path, "skipped": "absent (optional)"}
            continue
        counts = dict.fromkeys(("rows", "bad_rows", "filtered", "no_text", "invalid_utf8", "unlabelled",
                                *common.SPLITS), 0)
        rows.extend(read_dataset(path, spec, counts))
        summary[name] = {"path": path, **counts}
        print(f"recipe dataset {name}: {counts}", file=sys.stderr)
    return rows, summary
