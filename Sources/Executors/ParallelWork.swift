import Foundation

/// The threads behind `concurrentMap`: one per core but one, plus each caller while it waits for
/// its own map. Chunks are claimed one at a time, so a slow chunk does not leave a core idle while
/// another has a queue of them, and a map started from inside another map's chunk (the policy
/// analyzer runs inside the analyzers' map) gets every thread that comes free.
/// `DispatchQueue.concurrentPerform` did neither: it divides a nested call's width by the outer
/// call's, so the policy analyzer ran on one core of two while the other had finished.
///
/// A waiting caller only helps with maps started inside its own (it is waiting for them anyway);
/// the work of an unrelated caller, say another task's render, never delays its return.
/// `@unchecked Sendable`: `open`, `started` and every `Job`'s counters are touched only with
/// `condition` locked; a job's `body` is read by the thread that claimed one of its chunks.
public final class ParallelWork: @unchecked Sendable {
    public static let shared = ParallelWork(workers: ProcessInfo.processInfo.activeProcessorCount - 1)

    /// One call's chunks: `claimed` counts the chunks handed out, `finished` those that returned.
    private final class Job {
        let chunks: Int
        /// The job whose chunk started this one, if any.
        let parent: Job?
        /// Set to nil once every chunk has run: the closure must not outlive `run`.
        var body: ((Int) -> Void)?
        var claimed = 0
        var finished = 0

        init(chunks: Int, parent: Job?, body: @escaping (Int) -> Void) {
            self.chunks = chunks
            self.parent = parent
            self.body = body
        }

        func descends(from ancestor: Job) -> Bool {
            var job = parent
            while let current = job {
                if current === ancestor { return true }
                job = current.parent
            }
            return false
        }
    }

    private let condition = NSCondition()
    /// Jobs with chunks not yet claimed, oldest first.
    private var open: [Job] = []
    private let workers: Int
    private var started = false
    /// The job whose chunk the current thread is running (a pthread key: jobs nest per thread).
    private let running: pthread_key_t

    init(workers: Int) {
        self.workers = max(0, workers)
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        running = key
    }

    /// Runs `body(0..<chunks)` on the caller and the pool, returning when every chunk has returned.
    public func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 0 else { return }
        // The closure does not escape: this call returns only after every chunk has run.
        withoutActuallyEscaping(body) { body in
            let parent = pthread_getspecific(running).map { Unmanaged<Job>.fromOpaque($0).takeUnretainedValue() }
            let job = Job(chunks: chunks, parent: parent, body: body)
            condition.lock()
            startWorkersIfNeeded()
            open.append(job)
            condition.broadcast()
            while job.finished < job.chunks {
                if !runOneChunk(for: job) { condition.wait() }
            }
            job.body = nil
            condition.unlock()
        }
    }

    /// With the lock held: claims and runs one chunk, if there is one this thread may take, and
    /// releases the lock while it runs. A caller waiting for `waiter` takes its own chunks, then
    /// those of maps nested in it; a worker (`waiter` nil) takes the newest job's, nested maps
    /// being the ones the older jobs wait for.
    private func runOneChunk(for waiter: Job?) -> Bool {
        let job: Job
        if let waiter, waiter.claimed < waiter.chunks {
            job = waiter
        } else if let waiter, let nested = open.last(where: { $0.descends(from: waiter) }) {
            job = nested
        } else if waiter == nil, let newest = open.last {
            job = newest
        } else {
            return false
        }
        let index = job.claimed
        job.claimed += 1
        if job.claimed == job.chunks { open.removeAll { $0 === job } }
        condition.unlock()
        let outer = pthread_getspecific(running)
        pthread_setspecific(running, Unmanaged.passUnretained(job).toOpaque())
        job.body?(index)
        pthread_setspecific(running, outer)
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
                    if !runOneChunk(for: nil) { condition.wait() }
                }
            }
            thread.name = "reconcile.parallel"
            thread.stackSize = 8 << 20  // deep manifests recurse; as much as the main thread has
            thread.start()
        }
    }
}
