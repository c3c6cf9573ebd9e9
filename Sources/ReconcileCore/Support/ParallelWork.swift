import Foundation

/// The threads behind `concurrentMap`: one per core but one, plus whichever threads are waiting
/// for a map of their own to finish. Chunks are claimed one at a time, so a slow chunk does not
/// leave a core idle while another has a queue of them, and a map started from inside another
/// map's chunk (the policy analyzer runs inside the analyzers' map) gets every thread that comes
/// free. `DispatchQueue.concurrentPerform` did neither: it divides a nested call's width by the
/// outer call's, so the policy analyzer ran on one core of two while the other had finished.
final class ParallelWork: @unchecked Sendable {
    static let shared = ParallelWork(workers: ProcessInfo.processInfo.activeProcessorCount - 1)

    /// One call's chunks: `claimed` counts the chunks handed out, `finished` those that returned.
    private final class Job {
        let chunks: Int
        /// Set to nil once every chunk has run: the closure must not outlive `run`.
        var body: ((Int) -> Void)?
        var claimed = 0
        var finished = 0

        init(chunks: Int, body: @escaping (Int) -> Void) {
            self.chunks = chunks
            self.body = body
        }
    }

    private let condition = NSCondition()
    /// Jobs with chunks not yet claimed; the newest is served first, so a nested map (which the
    /// chunk that started it is waiting for) finishes before older work is taken up.
    private var open: [Job] = []
    private let workers: Int
    private var started = false

    init(workers: Int) { self.workers = max(0, workers) }

    /// Runs `body(0..<chunks)` on the caller and the pool, returning when every chunk has returned.
    func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 0 else { return }
        // The closure does not escape: this call returns only after every chunk has run.
        withoutActuallyEscaping(body) { body in
            let job = Job(chunks: chunks, body: body)
            condition.lock()
            startWorkersIfNeeded()
            open.append(job)
            condition.broadcast()
            // Help with any open job (our own first, being the newest) until ours is done.
            while job.finished < job.chunks {
                if !runOneChunk() { condition.wait() }
            }
            job.body = nil
            condition.unlock()
        }
    }

    /// With the lock held: claims and runs one chunk of the newest open job, if there is one.
    /// The lock is released while the chunk runs.
    private func runOneChunk() -> Bool {
        guard let job = open.last else { return false }
        let index = job.claimed
        job.claimed += 1
        if job.claimed == job.chunks { open.removeLast() }
        condition.unlock()
        job.body?(index)
        condition.lock()
        job.finished += 1
        if job.finished == job.chunks { condition.broadcast() }
        return true
    }

    private func startWorkersIfNeeded() {
        guard !started else { return }
        started = true
        for _ in 0..<workers {
            let thread = Thread { [self] in
                condition.lock()
                while true {
                    if !runOneChunk() { condition.wait() }
                }
            }
            thread.name = "reconcile.parallel"
            thread.stackSize = 8 << 20  // deep manifests recurse; as much as the main thread has
            thread.start()
        }
    }
}
