import Git

/// Where the config repository is and how to reach it: what `--repo`, `--path`, `--cache-dir`
/// and the git credential flags say, fixed for the life of a command or controller.
public struct RepositorySettings: Sendable {
    /// A local directory or a git URL.
    public var location: String
    /// The directory inside the repository that holds reconcile.yaml (nil: the root).
    public var subdirectory: String?
    /// Where URLs are cloned (nil: the user's cache directory).
    public var cacheDirectory: String?
    public var credentials: GitCredentials
    /// The ref to read; nil is the working tree for a local repository and HEAD for a URL.
    public var ref: String?

    public init(location: String, subdirectory: String? = nil, cacheDirectory: String? = nil,
                credentials: GitCredentials = GitCredentials(), ref: String? = nil) {
        self.location = location
        self.subdirectory = subdirectory
        self.cacheDirectory = cacheDirectory
        self.credentials = credentials
        self.ref = ref
    }

    /// Opens the repository (for a URL: clones it into the cache, or fetches the cached clone).
    public func open() throws -> ConfigRepository {
        try ConfigRepository(location: location, subdirectory: subdirectory, cacheDirectory: cacheDirectory,
                             credentials: credentials)
    }
}
