internal import CGit2

/// Process-wide libgit2 setup and the one helper that turns return codes into `GitError`s.
enum LibGit2 {
    /// Global `let`s are initialised lazily and exactly once (swift_once), which makes this the
    /// thread-safe `git_libgit2_init()` call. We never shut libgit2 down: handles may outlive any scope.
    private static let initialized: Bool = {
        git_libgit2_init() >= 0
    }()

    /// Call before any other libgit2 function.
    static func ensureInitialized() {
        _ = initialized
    }

    /// Throws a `GitError` when `code` is negative, naming `function` and what we were doing.
    @discardableResult
    static func check(
        _ code: Int32, _ function: String, _ context: @autoclosure () -> String, kind: GitError.Kind? = nil
    ) throws(GitError) -> Int32 {
        if code < 0 {
            throw GitError.fromLibGit2(code: code, function: function, context: context(), kind: kind)
        }
        return code
    }

    static var supportsHTTPS: Bool {
        ensureInitialized()
        return git_libgit2_features() & Int32(GIT_FEATURE_HTTPS.rawValue) != 0
    }

    static var supportsSSH: Bool {
        ensureInitialized()
        return git_libgit2_features() & Int32(GIT_FEATURE_SSH.rawValue) != 0
    }
}

/// Copies a libgit2-owned C string into Swift right away (nil stays nil).
func swiftString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}
