//! Catalog entries of the `load/*` rules: reading the input files, parsing YAML and routing each
//! document to its kind.
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "load/api-version",
        severity: Severity::Error,
        summary: "apiVersion is not rivven.hupe1980.github.io/v1alpha1",
        explanation: r#"A document whose kind is one of the Rivven kinds, or whose apiVersion is in the rivven.hupe1980.github.io group, must use `apiVersion: rivven.hupe1980.github.io/v1alpha1`. A Rivven kind under another group is taken for a typo rather than skipped as a foreign resource, and another version of the group is one rivven-render cannot read. The document is not read any further, so fix its apiVersion first to see its other findings."#,
        example: r#"apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenCluster
metadata:
  name: demo
spec:
  replicas: 1"#,
    },
    Rule {
        id: "load/duplicate-file",
        severity: Severity::Note,
        summary: "the same file is given twice",
        explanation: r#"Two arguments resolve to the same file: a path given twice, a file also reached through a directory given on the command line, or a symbolic link to a file already read. The file is read once, so its resources are not reported as defined twice; the note only says that an argument is redundant. Standard input (`-`) is never compared with files."#,
        example: r#"# instead of: rivven-render validate manifests/ manifests/cluster.yaml
rivven-render validate manifests/"#,
    },
    Rule {
        id: "load/empty-file",
        severity: Severity::Warning,
        summary: "the file holds no document",
        explanation: r#"The file is empty, or holds only whitespace, comments or `---` separators, so it adds nothing to the run. That is often a file emptied by mistake or a template that produced no output. Remove the file or put a Rivven resource into it."#,
        example: r#"apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenTopic
metadata:
  name: orders
spec:
  clusterRef:
    name: demo"#,
    },
    Rule {
        id: "load/foreign-kind",
        severity: Severity::Note,
        summary: "the document is not a Rivven resource and is skipped",
        explanation: r#"The document's apiVersion belongs to another API group (a ConfigMap, a Deployment, ...), so rivven-render skips it: it is neither checked nor rendered. This is a note by default and an error with `--strict`, for pipelines whose input must hold Rivven resources only. Keep other manifests in their own directories, or run without `--strict` if mixing them is intended."#,
        example: r#"# give rivven-render only the directories that hold Rivven resources
rivven-render render --strict rivven/ -o rendered/"#,
    },
    Rule {
        id: "load/limit",
        severity: Severity::Error,
        summary: "the input is past a limit of one run",
        explanation: r#"So that no input can make a run unbounded, rivven-render refuses a document nested deeper than 100 levels, a document of more than 1,000,000 values, a file whose aliases add more than 100,000 values (an alias counts with its whole expansion), and more than 100,000 Rivven documents in one run. A run that hits a limit exits with code 2, as for an unreadable input (`load/unreadable`). Flatten the document, use fewer aliases, or split the input into several runs. More than 128 MiB of input in one run is refused the same way: what comes after it is not read."#,
        example: r#"# split a very large input into several runs
rivven-render render team-a/ -o rendered/team-a/
rivven-render render team-b/ -o rendered/team-b/"#,
    },
    Rule {
        id: "load/no-resources",
        severity: Severity::Error,
        summary: "the input holds no Rivven resource",
        explanation: r#"No Rivven document was found: no YAML file matched, or every file was empty or held only documents of other kinds. This is an error rather than a success because an empty render handed to a GitOps tool that prunes would delete everything that tool manages. Check the paths given and that the files use `apiVersion: rivven.hupe1980.github.io/v1alpha1`."#,
        example: r#"# at least one Rivven document in the input
apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenCluster
metadata:
  name: demo
spec:
  replicas: 1"#,
    },
    Rule {
        id: "load/not-a-resource",
        severity: Severity::Error,
        summary: "the document is not a mapping with apiVersion and kind",
        explanation: r#"Each YAML document must be a mapping whose `apiVersion` and `kind` are strings. A list, a plain value, or a mapping without one of the two cannot be routed to any kind, so the document is not read. Write one resource per document, documents separated by `---`, each with both fields."#,
        example: r#"# one mapping per document, not a list of resources
apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenCluster
metadata:
  name: demo
spec:
  replicas: 1"#,
    },
    Rule {
        id: "load/unknown-kind",
        severity: Severity::Error,
        summary: "the kind is not one of the four Rivven kinds",
        explanation: r#"Documents of the rivven.hupe1980.github.io group must be a RivvenCluster, RivvenConnect, RivvenTopic or RivvenSchemaRegistry, spelt exactly so (kinds are case-sensitive). Any other kind in the group is most likely a typo, so it is refused instead of skipped; the hint names the closest kind."#,
        example: r#"apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenCluster   # not RivvenClustr
metadata:
  name: demo"#,
    },
    Rule {
        id: "load/unreadable",
        severity: Severity::Error,
        summary: "an input cannot be read",
        explanation: r#"A path given on the command line does not exist, cannot be opened or walked, or a file is not UTF-8 text. The finding names the path and the operating system's reason. The other inputs are still read and checked, so their findings are reported too, but the run exits 2: a run that could not see all of its input must not pass, and a GitOps tool must not prune what it did not read."#,
        example: r#"# check the path and its permissions, or drop it from the arguments
rivven-render validate clusters/ topics/"#,
    },
    Rule {
        id: "load/yaml-syntax",
        severity: Severity::Error,
        summary: "the document is not valid YAML",
        explanation: r#"The YAML parser stopped at this position (bad indentation, a tab used for indentation, an unclosed quote or bracket), or a mapping repeats a key, which YAML forbids. The broken document is not read; the other documents of the file are still checked, so one mistake hides no other finding. Fix the syntax at the position shown."#,
        example: r#"spec:
  replicas: 1      # indent with spaces, write each key once
  storage:
    size: 10Gi"#,
    },
    Rule {
        id: "load/yaml-value",
        severity: Severity::Error,
        summary: "a YAML value cannot become a Kubernetes manifest value",
        explanation: r#"The document is valid YAML but holds something a Kubernetes manifest cannot carry: a list or mapping used as a mapping key, a tag such as `!!binary` or `!!timestamp`, a value that does not fit its tag, `.nan` or `.inf`, an alias to an anchor not defined before it, or a merge key `<<` whose value is not a mapping or a list of mappings. Manifests are read as JSON, which has none of these, so the document is not read. Write plain strings, numbers, booleans, lists and mappings."#,
        example: r#"spec:
  replicas: 1      # a number, not .nan or .inf
  storage:
    size: 10Gi     # a plain key, not ? [a, b]"#,
    },
    Rule {
        id: "load/function-input",
        severity: Severity::Error,
        summary: "the KRM function's input cannot be used",
        explanation: r#"`rivven-render krm` reads one `ResourceList` (or `List`) on standard input: a mapping with `items` (a list of objects) and an optional `functionConfig`, which must be a `RivvenRender` (`apiVersion: rivven-render.github.io/v1alpha1`) with known `spec` fields and `spec.paths` inside the kustomization (relative, no `..`). Anything else is refused before any item is read, with no items emitted. Kustomize and kpt write valid lists; this finding usually means a hand-written list or a misspelt config field."#,
        example: r#"apiVersion: rivven-render.github.io/v1alpha1
kind: RivvenRender
metadata:
  name: rivven-render
spec:
  paths: [rivven]"#,
    },
];
