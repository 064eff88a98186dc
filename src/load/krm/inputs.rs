//! The inputs of a KRM run: the Rivven items, each read from the file it came from where that file
//! can be found, and the resources written inline in the functionConfig.
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{annotation, item_index, item_path, without_function_annotations, ResourceList};
use crate::load::{tree, Input};
use crate::source::SourceFile;

/// A document compiled from one text whose findings should point into another, where the same
/// document stands with other values (a KRM item kustomize renamed, read back from its file).
#[derive(Clone, Debug)]
pub struct Relocation {
    /// The name of the input the document was compiled from.
    pub from: String,
    /// The file the findings should point into, and its text.
    pub to_name: String,
    /// Its text.
    pub to_text: String,
    /// The document's index in it.
    pub document: usize,
    /// Where the document stands inside that one (`/spec/resources/0` for a resource written
    /// inline in a functionConfig; empty for a whole document).
    pub prefix: String,
}

/// The inputs of the Rivven items. An item is read from the file it came from when that file can be
/// found and still holds it unchanged (no transformer ran on it before), so findings point at its
/// real lines: the file a `path` or `origin` annotation names (kpt, kustomize's `buildMetadata:
/// [originAnnotations]`), else one of the local files the kustomization in the working directory
/// lists (kustomize runs functions there and names no file). Any other item is read from its own
/// entry in the function input (lines counted from the entry).
pub fn items(list: &ResourceList, rivven: &BTreeSet<usize>, cwd: &Path) -> (Vec<Input>, Vec<Relocation>) {
    let mut by_file: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    let mut from_stream = Vec::new();
    let mut listed: Option<Listed> = None;
    for &i in rivven {
        let item = &list.items[i].value;
        let annotated = annotated(item).filter(|(p, _)| crate::load::inside(cwd, p).is_ok() && cwd.join(p).is_file());
        let found = annotated.or_else(|| listed.get_or_insert_with(|| Listed::new(cwd)).find(item));
        match found {
            Some((path, index)) => by_file.entry(path).or_default().push((i, index)),
            None => from_stream.push(i),
        }
    }
    let mut inputs = Vec::new();
    for (path, items) in by_file {
        let (input, unmatched) = original_file(list, &cwd.join(&path), &path, &items);
        inputs.extend(input);
        from_stream.extend(unmatched);
    }
    from_stream.sort_unstable();
    let mut relocations = Vec::new();
    for i in from_stream {
        let item = &list.items[i];
        let name = match annotated(&item.value) {
            Some((p, _)) => format!("{p} (item {i} of the function input)"),
            None => format!("<function input> item {i}"),
        };
        let text = match &item.region {
            Some(region) => region.document(&list.text),
            None => serde_json::to_string_pretty(&item.value).unwrap_or_default(),
        };
        // Changed by kustomize (a prefix, a namespace): its findings still point into its file.
        if let Some((file, document)) = listed.get_or_insert_with(|| Listed::new(cwd)).find_renamed(&item.value) {
            if let Ok(to_text) = std::fs::read_to_string(cwd.join(&file)) {
                relocations.push(Relocation { from: name.clone(), to_name: file, to_text, document, prefix: String::new() });
            }
        }
        inputs.push(Input::Text { name, text });
    }
    (inputs, relocations)
}

/// The file and document index an item's annotations name: kpt's `internal.config.kubernetes.io/path`
/// (or the older `config.kubernetes.io/path`) with its index, or kustomize's origin annotation.
fn annotated(item: &Value) -> Option<(String, usize)> {
    if let Some(path) = item_path(item) {
        return Some((path.to_owned(), item_index(item)));
    }
    // `config.kubernetes.io/origin: "path: cluster.yaml\n"`: the document's index is not given.
    let origin = annotation(item, "config.kubernetes.io/origin")?;
    let path = origin.lines().find_map(|l| l.trim().strip_prefix("path:")).map(|p| p.trim().trim_matches(['"', '\'']).to_owned())?;
    (!origin.contains("repo:")).then_some((path, usize::MAX))
}

/// The Rivven documents of the local files a kustomization lists (`resources`, `components`, and
/// the kustomizations of listed directories, recursively), by content: where kustomize read them.
struct Listed {
    /// Canonical JSON of a document -> (file, document index), in listing order.
    documents: HashMap<String, Vec<(String, usize)>>,
    /// Entries already handed out (two equal documents go to two items).
    used: HashSet<(String, usize)>,
    /// (kind, metadata.name) of a document -> (file, document index), in listing order.
    identities: HashMap<(String, String), Vec<(String, usize)>>,
}

/// Most kustomization directories followed, and most files read, when looking for origins.
const MAX_LISTED: usize = 200;

impl Listed {
    fn new(cwd: &Path) -> Self {
        let mut listed = Self { documents: HashMap::new(), used: HashSet::new(), identities: HashMap::new() };
        let (mut dirs, mut seen, mut files) = (vec![PathBuf::new()], HashSet::new(), Vec::new());
        while let Some(dir) = dirs.pop() {
            if seen.len() >= MAX_LISTED || !seen.insert(dir.clone()) {
                continue;
            }
            let Some(kustomization) = ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().find_map(|n| std::fs::read_to_string(cwd.join(&dir).join(n)).ok()) else {
                continue;
            };
            for entry in listed_entries(&kustomization) {
                if entry.contains("://") || entry.starts_with("git@") || entry.starts_with("github.com/") {
                    continue; // a remote base: not on this disk
                }
                let path = crate::diagnostics::report::normalized(&dir.join(&entry));
                let full = cwd.join(&path);
                if full.is_dir() {
                    dirs.push(path);
                } else if full.is_file() && files.len() < MAX_LISTED {
                    files.push(path);
                }
            }
        }
        let mut budget = crate::load::MAX_INPUT_BYTES;
        for file in files {
            let name = file.to_string_lossy().into_owned();
            let size = std::fs::metadata(cwd.join(&file)).map_or(u64::MAX, |m| m.len());
            if size > budget {
                continue; // beyond what one run reads: such an item is shown from the stream
            }
            budget -= size;
            let Ok(text) = std::fs::read_to_string(cwd.join(&file)) else { continue };
            for (index, value) in documents(&name, text).into_iter().enumerate() {
                let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
                listed.identities.entry((text("/kind"), text("/metadata/name"))).or_default().push((name.clone(), index));
                listed.documents.entry(canonical(&without_function_annotations(&value))).or_default().push((name.clone(), index));
            }
        }
        listed
    }

    /// The first unused listed document equal to the item.
    fn find(&mut self, item: &Value) -> Option<(String, usize)> {
        let candidates = self.documents.get(&canonical(&without_function_annotations(item)))?;
        let found = candidates.iter().find(|c| !self.used.contains(*c))?.clone();
        self.used.insert(found.clone());
        Some(found)
    }

    /// The first unused listed document of the item's kind whose name is the item's first name
    /// (kustomize's `previousNames` keep it), for an item kustomize changed.
    fn find_renamed(&mut self, item: &Value) -> Option<(String, usize)> {
        let kind = item.get("kind").and_then(Value::as_str)?.to_owned();
        let first = super::annotation(item, "internal.config.kubernetes.io/previousNames").and_then(|n| n.split(',').next()).map(str::to_owned);
        let name = first.or_else(|| item.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned))?;
        let candidates = self.identities.get(&(kind, name))?;
        let found = candidates.iter().find(|c| !self.used.contains(*c))?.clone();
        self.used.insert(found.clone());
        Some(found)
    }
}

/// The entries of `resources` and `components` of a kustomization's text.
fn listed_entries(kustomization: &str) -> Vec<String> {
    let Some(value) = documents("kustomization.yaml", kustomization.to_owned()).into_iter().next() else { return Vec::new() };
    ["resources", "components", "bases", "generators", "transformers"]
        .iter()
        .filter_map(|key| value.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The documents of a YAML text (empty when it does not parse).
fn documents(name: &str, text: String) -> Vec<Value> {
    tree::documents(&SourceFile::new(name.to_owned(), text)).0.into_iter().filter_map(Result::ok).map(|(v, _)| v).collect()
}

/// JSON with object keys sorted, so that two equal documents written in another key order match.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The file an item came from, with every document but the items' blanked (lines and columns
/// stay), or the items that do not equal their document there. An index of `usize::MAX` (an
/// origin annotation gives none) matches the first equal document.
fn original_file(list: &ResourceList, file: &Path, name: &str, items: &[(usize, usize)]) -> (Option<Input>, Vec<usize>) {
    let all = || items.iter().map(|(i, _)| *i).collect();
    let Ok(text) = std::fs::read_to_string(file) else { return (None, all()) };
    let source = SourceFile::new(name.to_owned(), text);
    let (documents, error) = tree::documents(&source);
    if error.is_some() {
        return (None, all());
    }
    let documents: Vec<_> = documents.into_iter().filter_map(Result::ok).collect();
    let (mut keep, mut unmatched) = (BTreeSet::new(), Vec::new());
    for &(item, index) in items {
        let wanted = without_function_annotations(&list.items[item].value);
        let same = |n: usize| documents.get(n).is_some_and(|(value, _)| without_function_annotations(value) == wanted);
        let found = if index == usize::MAX { (0..documents.len()).find(|&n| !keep.contains(&n) && same(n)) } else { same(index).then_some(index) };
        match found {
            Some(n) => {
                keep.insert(n);
            }
            None => unmatched.push(item),
        }
    }
    if keep.is_empty() {
        return (None, unmatched);
    }
    let mut bytes = source.text.as_bytes().to_vec();
    for (_, spans) in documents.iter().enumerate().filter(|(n, _)| !keep.contains(n)).map(|(_, d)| d) {
        if let Some(span) = spans.get("") {
            for b in &mut bytes[span.value.clone()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
    }
    // Blanks replace whole UTF-8 sequences (every byte of one), so the text stays UTF-8.
    let text = String::from_utf8(bytes).unwrap_or_default();
    (Some(Input::Text { name: name.to_owned(), text }), unmatched)
}

/// The resources written inline in the functionConfig's `spec.resources`, and where their
/// findings point: into the config's file when the kustomization in `cwd` lists it (kustomize
/// names no file), else at the entry's own lines.
pub fn inline(list: &ResourceList, resources: &[Value], cwd: &Path) -> (Vec<Input>, Vec<Relocation>) {
    let origin = list.function_config.as_ref().and_then(annotated).map(|(p, _)| p);
    let file = match (&origin, &list.function_config) {
        (None, Some(config)) if !resources.is_empty() => Listed::new(cwd).find(config),
        _ => None,
    };
    let to_text = file.as_ref().and_then(|(f, _)| std::fs::read_to_string(cwd.join(f)).ok());
    let mut relocations = Vec::new();
    let inputs = (0..resources.len())
        .map(|i| {
            let name = format!("{} spec.resources[{i}]", origin.as_deref().unwrap_or("functionConfig"));
            let entry = (!list.json).then(|| list.span(&format!("/functionConfig/spec/resources/{i}"))).flatten().and_then(|s| list.entry(s));
            let text = match entry {
                Some(region) => region.document(&list.text),
                None => serde_json::to_string_pretty(&resources[i]).unwrap_or_default(),
            };
            if let (Some((to_name, document)), Some(to_text)) = (&file, &to_text) {
                relocations.push(Relocation { from: name.clone(), to_name: to_name.clone(), to_text: to_text.clone(), document: *document, prefix: format!("/spec/resources/{i}") });
            }
            Input::Text { name, text }
        })
        .collect();
    (inputs, relocations)
}
