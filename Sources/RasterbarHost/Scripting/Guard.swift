// The crash guard in Swift: every call into a script goes through here, so a
// trap in a script, or the watchdog ending a call that runs too long, returns
// a signal instead of ending (or freezing) the player.
import RasterbarGuard

/// Swift over the C guard: runs a closure so that a trap inside returns its signal.
enum Guard {
    /// Installs the guard (once) and an alternate signal stack for this thread.
    static func install() { rb_guard_install() }

    /// What a call the watchdog ended returns.
    static let timeout = rb_guard_timeout_signal()

    /// Runs `body`; returns 0, or the signal that ended it. `serial` (from the
    /// watchdog) lets the watchdog end this call; 0 makes it uninterruptible.
    /// The closure travels in a manually retained box: a trap jumps over every
    /// release in the script's frames, and then the box (and whatever it
    /// holds) is leaked rather than checked, which is the right trade for a
    /// rare event.
    static func call(serial: Int32 = 0, _ body: @escaping () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(Body(body))
        let signal = rb_guard_call({ raw in Unmanaged<Body>.fromOpaque(raw!).takeUnretainedValue().run() }, box.toOpaque(), serial)
        if signal == 0 { box.release() }
        return signal
    }

    /// Marks the code of every loaded image under `folder` (the script cache)
    /// as code the watchdog may interrupt.
    static func registerScriptImages(under folder: String) { rb_guard_register_images(folder) }

    final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func name(_ signal: Int32) -> String { String(cString: rb_guard_signal_name(signal)) }
}
