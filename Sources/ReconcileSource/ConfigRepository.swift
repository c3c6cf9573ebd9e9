import Foundation
import Git
import ReconcileCore
import YAML

/// The config repository named by `--repo`: a local directory (a git working tree or a plain
/// folder) or a remote URL cloned into the cache. Hands the core the files of one revision.
public final class ConfigRepository {
    /// Files of one revision, and how to name that revision in output.
    public struct Revision: Sendable {
        public var files: [SourceFile]
        /// A commit id (short) or "working tree".
        public var label: String
        public var commit: ObjectID?
    }

    public let location: String
    /// `location` with any credentials in a URL replaced by `***`: the name used in output.
    public let displayName: String
    /// The git repository, nil for a plain directory.
    public let git: GitRepository?
    /// Repo-relative directory the config lives in ("" for the root).
    public let subdirectory: String
    /// Whether `location` is a URL (cloned) rather than a local path.
    public let isRemote: Bool
    /// The default instance name: the config directory's or repository's base name.
    public let defaultInstance: String
    /// File size limits for every read (the other limits apply when the files are rendered).
    public var limits: InputLimits = .default

    private var readLimits: ReadLimits {
        ReadLimits(maxFileBytes: limits.maxFileBytes, maxTotalBytes: limits.maxTotalBytes)
    }

    private let credentials: GitCredentials

    public init(location: String, subdirectory: String?, cacheDirectory: String?, credentials: GitCredentials) throws {
        self.location = location
        self.displayName = CredentialRedaction.redactingURLCredentials(in: location)
        self.credentials = credentials
        if ConfigRepository.looksLikeURL(location) {
            let cache = cacheDirectory ?? ConfigRepository.defaultCacheDirectory()
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
            let (repository, _) = try GitRepository.cloneOrFetch(url: location, cacheDirectory: cache, credentials: credentials)
            git = repository
            isRemote = true
            self.subdirectory = ConfigRepository.clean(subdirectory ?? "")
            defaultInstance = Renderer.instanceName(fromRepoName: self.subdirectory.isEmpty ? location : self.subdirectory)
            return
        }
        isRemote = false
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SourceError("config repository \(displayName) does not exist or is not a directory")
        }
        let absolute = URL(fileURLWithPath: location).standardizedFileURL.resolvingSymlinksInPath().path
        let repository = try? GitRepository.open(path: absolute)
        var prefix = ""
        if let repository, let workdir = repository.workingDirectory {
            let root = URL(fileURLWithPath: workdir).standardizedFileURL.resolvingSymlinksInPath().path
            if absolute.hasPrefix(root) { prefix = String(absolute.dropFirst(root.count)) }
        }
        git = repository?.workingDirectory == nil ? nil : repository
        let sub = ConfigRepository.clean(subdirectory ?? "")
        self.subdirectory = ConfigRepository.clean([ConfigRepository.clean(prefix), sub].filter { !$0.isEmpty }.joined(separator: "/"))
        defaultInstance = Renderer.instanceName(fromRepoName: absolute.split(separator: "/").last.map(String.init) ?? "default")
    }

    /// Fetches a remote repository again into the same open cache clone and its one `origin`
    /// remote (a local repository is read fresh by `revision` anyway).
    public func refresh() throws {
        guard isRemote, let git else { return }
        _ = try git.fetch(credentials: credentials)
    }

    /// The files at `ref`; nil means the working tree for a local repository and HEAD for a URL.
    public func revision(_ ref: String?) throws -> Revision {
        guard let git else {
            if let ref { throw SourceError("\(displayName) is not a git repository, so --ref/--base \(ref) cannot be resolved") }
            let files = try DirectoryReader.files(at: location, include: SourceFile.isCandidate, limits: readLimits)
            return Revision(files: files.map { SourceFile(path: $0.path, bytes: $0.bytes) }, label: "working tree", commit: nil)
        }
        if ref == nil && !isRemote {
            var files = strip(try git.workingTreeFiles(include: include, limits: readLimits))
            if files.isEmpty && !subdirectory.isEmpty {
                // A directory git ignores (a build folder, a scratch copy): read it as it is.
                files = try DirectoryReader.files(at: location, include: SourceFile.isCandidate, limits: readLimits).map { SourceFile(path: $0.path, bytes: $0.bytes) }
            }
            return Revision(files: files, label: "working tree", commit: nil)
        }
        let commit = try git.resolveCommit(ref ?? "HEAD")
        let files = try git.files(at: commit, include: include, limits: readLimits)
        return Revision(files: strip(files), label: commit.short, commit: commit)
    }

    private func include(_ path: String) -> Bool {
        guard subdirectory.isEmpty || path.hasPrefix(subdirectory + "/") else { return false }
        return SourceFile.isCandidate(subdirectory.isEmpty ? path : String(path.dropFirst(subdirectory.count + 1)))
    }

    private func strip(_ files: [GitFile]) -> [SourceFile] {
        files.map { file in
            SourceFile(path: subdirectory.isEmpty ? file.path : String(file.path.dropFirst(subdirectory.count + 1)), bytes: file.bytes)
        }
    }

    public static func looksLikeURL(_ text: String) -> Bool {
        if text.contains("://") { return true }
        // scp-like git@host:org/repo.git
        if let at = text.firstIndex(of: "@"), let colon = text.firstIndex(of: ":"), at < colon, !text.hasPrefix("/") { return true }
        return false
    }

    public static func clean(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }

    public static func defaultCacheDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/reconcile" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/reconcile" }
        return NSTemporaryDirectory() + "reconcile-cache"
    }
}
