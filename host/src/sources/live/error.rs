//! Typed errors of the live source: which cluster, what was being done, and the cause.

use thiserror::Error;

/// Why the kubeconfig (or the pod's service account) gives no cluster to query.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("kubeconfig {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error(
        "no usable kubeconfig ({0}); pass --kubeconfig FILE or set KUBECONFIG, run inside a pod, or query \
         offline with --snapshot DIR or --demo"
    )]
    Missing(#[source] kube::config::KubeconfigError),
    #[error("the kubeconfig has no current-context; pass --context NAME or --all-contexts")]
    NoCurrentContext,
    #[error("the kubeconfig defines no contexts")]
    NoContexts,
    #[error("--cluster-name names one cluster; with several contexts each cluster is named after its context")]
    ClusterNameWithSeveral,
    #[error("context {0}: no such context in the kubeconfig")]
    NoSuchContext(String),
    #[error("context {context}: {source}")]
    Context {
        context: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("in-cluster configuration: {0}")]
    InCluster(#[source] kube::config::InClusterError),
}

/// What failed against one cluster.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("cannot make a client: {0}")]
    Client(#[source] kube::Error),
    #[error("reading its identity (the kube-system namespace): {0}")]
    Identity(#[source] Failure),
    #[error("discovery: {0}")]
    Discovery(#[source] Failure),
    #[error("GET {path}: {source}")]
    Get {
        path: String,
        #[source]
        source: Failure,
    },
    #[error("getting {resource} {name}: {source}")]
    GetObject {
        resource: String,
        name: String,
        #[source]
        source: RequestError,
    },
    #[error("listing {resource}: {source}")]
    List {
        resource: String,
        #[source]
        source: RequestError,
    },
}

/// Why one request of a scan gave no page.
#[derive(Debug, Error)]
pub enum RequestError {
    #[error(transparent)]
    Http(#[from] Failure),
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error("a page after a restart is not a List")]
    NotAList,
    #[error("the watch cache cannot read back an object it kept")]
    Cache(#[source] std::io::Error),
}

/// Why a GET failed for good.
#[derive(Debug, Error)]
pub enum Failure {
    /// The server answered with a status that retrying cannot fix.
    #[error("HTTP {code}: {message}")]
    Status { code: u16, message: String },
    /// Every attempt failed with a retryable error; the last one is given.
    #[error("failed after {attempts} attempts: {last}")]
    Exhausted {
        attempts: u32,
        #[source]
        last: Attempt,
    },
}

/// Why one attempt failed in a way worth retrying.
#[derive(Debug, Error)]
pub enum Attempt {
    #[error("HTTP {code}: {message}")]
    Status { code: u16, message: String },
    #[error(transparent)]
    Transport(#[from] Transport),
}

/// Why no response (or no whole body) came back.
#[derive(Debug, Error)]
pub enum Transport {
    #[error("invalid request: {0}")]
    Request(#[source] http::Error),
    #[error(transparent)]
    Send(#[from] kube::Error),
    #[error("the response is larger than {} MiB; refused", .limit >> 20)]
    TooLarge { limit: usize },
    #[error("reading the response: {0}")]
    Body(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An answer that is not what was asked for. Messages name kinds, never values.
#[derive(Debug, Error)]
pub enum AnswerError {
    #[error("the answer is not JSON")]
    NotJson,
    #[error(
        "the server answered with {found}, not the metadata the table declared; refused (a proxy between \
         kubequery and the API server may drop the `as=` parameter of the Accept header)"
    )]
    NotMetadata { found: String },
    #[error(
        "the server answered with {found}, not Secret metadata; refused so that no Secret value reaches a table \
         (a proxy between kubequery and the API server may drop the `as=` parameter of the Accept header)"
    )]
    NotSecretMetadata { found: String },
}
