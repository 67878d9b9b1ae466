import Logging
import Synchronization

/// Keeps per-request log lines about one condition from flooding the log: in
/// a storage outage or a flood of forged webhooks every request would write
/// the same two or three lines (an on-call measured 29,551 lines, 7 MB, in a
/// minute of full disk). Per key, the first line of each window is written and
/// says how many like it were left out since the one before it of that key
/// (`left_out`; a flood's last count waits for the key's next line); the
/// metrics still count every request.
///
/// ```swift
/// throttle.log(context.logger, key: "webhook refused|replicate|503", level: .notice, "webhook refused", metadata: [...])
/// ```
final class LogThrottle: Sendable {
    private struct Window {
        var started: ContinuousClock.Instant
        var leftOut: Int
    }
    private let windows = Mutex<[String: Window]>([:])
    private let windowLength: Duration
    /// Keys are the ledger's own words, a status and a route or a provider: a few
    /// dozen. Past this many (a key built from a caller's text by mistake) all are
    /// forgotten rather than kept growing.
    private let keysMax = 1_000

    /// `windowLength`: serve's is 10 s (``LedgerServices``' `refusalLogWindow`).
    init(windowLength: Duration) {
        self.windowLength = windowLength
    }

    /// nil: leave this line out; otherwise write it, with this many left out before it.
    func admit(_ key: String, at now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            if let window = windows[key], now - window.started < windowLength {
                windows[key]?.leftOut += 1
                return nil
            }
            let leftOut = windows[key]?.leftOut ?? 0
            if windows[key] == nil, windows.count >= keysMax {
                // Forget the quiet keys first (nothing pending), and all only if that is not enough.
                windows = windows.filter { $0.value.leftOut > 0 || now - $0.value.started < windowLength }
                if windows.count >= keysMax { windows.removeAll() }
            }
            windows[key] = Window(started: now, leftOut: 0)
            return leftOut
        }
    }

    /// Writes the line unless one of the same key was written within the window.
    func log(_ logger: Logger, key: String, level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
             metadata: @autoclosure () -> Logger.Metadata) {
        // Below the logger's level nothing is written anyway: the window is not spent on it.
        guard level >= logger.logLevel, let leftOut = admit(key) else { return }
        var metadata = metadata()
        if leftOut > 0 { metadata["left_out"] = .stringConvertible(leftOut) }
        logger.log(level: level, message(), metadata: metadata)
    }
}
