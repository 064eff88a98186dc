//! `rivven-render install`: prints the manifests that run the in-cluster companion as one YAML
//! stream (`rivven-render install --crds | kubectl apply -f -`).
use clap::Args;

use super::io::sayln;
use super::{EXIT_OK, EXIT_USAGE};
use crate::render::companion::{self, InstallOptions};

/// Arguments of `install`.
#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Namespace the companion runs in; its Namespace is printed too, with Pod Security `restricted` enforced.
    #[arg(long, short, value_name = "NS", default_value = companion::DEFAULT_NAMESPACE)]
    namespace: String,
    /// The one namespace the companion watches (a Role there); absent or empty: all namespaces (a ClusterRole).
    #[arg(long, value_name = "NS")]
    watch_namespace: Option<String>,
    /// Replicas of the Deployment (leader election keeps one active, at any count).
    #[arg(long, value_name = "N", default_value_t = 2)]
    replicas: u32,
    /// The companion's image (default: this release's).
    #[arg(long, value_name = "IMAGE")]
    image: Option<String>,
    /// Also print the four CustomResourceDefinitions first, exactly as `rivven-render crd` does.
    #[arg(long)]
    crds: bool,
}

impl InstallArgs {
    fn options(&self) -> InstallOptions {
        InstallOptions {
            namespace: self.namespace.clone(),
            watch_namespace: self.watch_namespace.clone().filter(|ns| !ns.is_empty()),
            replicas: self.replicas,
            image: self.image.clone().unwrap_or_else(companion::default_image),
            crds: self.crds,
        }
    }
}

/// Runs `install`: nothing on standard output unless the options are valid.
pub fn run(args: &InstallArgs) -> u8 {
    let options = args.options();
    if let Err(why) = options.check() {
        sayln!("rivven-render: {why}");
        return EXIT_USAGE;
    }
    let objects = companion::install_objects(&options);
    match super::io::to_stdout(|out| objects.iter().try_for_each(|object| crate::output::write_object(object, out))) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
