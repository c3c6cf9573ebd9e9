import Foundation
import Git

/// `reconcile-bench fetch-loop URL CACHE COUNT [--reopen]`: fetches a remote COUNT times into one
/// cache clone, as the controller does every pass — through one open repository (its `origin`
/// remote looked up once), or with `--reopen` as older releases did (open and look up again each
/// time). Run under valgrind by `scripts/leakcheck.sh` and `FetchLeakTests`: the bytes
/// definitely lost must not grow with COUNT.
enum FetchLoop {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 3, let count = Int(arguments[2]), count >= 1 else {
            throw BenchError("usage: reconcile-bench fetch-loop URL CACHE-DIRECTORY COUNT [--reopen]")
        }
        let (url, cache) = (arguments[0], arguments[1])
        let reopen = arguments.dropFirst(3).contains("--reopen")
        var (repository, _) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache)
        for _ in 1..<max(count, 2) {
            if reopen {
                (repository, _) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache)
            } else {
                _ = try repository.fetch()
            }
        }
        print("fetched \(count) times (\(reopen ? "reopening" : "one open repository"))")
    }
}
