// The crash guard in Swift: every call into a script goes through here, so a
// trap in a script returns its signal instead of ending the player.
import RasterbarGuard

/// Swift over the C guard: runs a closure so that a trap inside returns its signal.
enum Guard {
    /// Installs the guard (once) and an alternate signal stack for this thread.
    static func install() { rb_guard_install() }

    /// Runs `body`; returns 0, or the signal that ended it. The closure travels
    /// in a manually retained box: a trap jumps over every release in the
    /// script's frames, and then the box (and whatever it holds) is leaked
    /// rather than checked, which is the right trade for a rare event.
    static func call(_ body: @escaping () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(Body(body))
        let signal = rb_guard_call({ raw in Unmanaged<Body>.fromOpaque(raw!).takeUnretainedValue().run() }, box.toOpaque())
        if signal == 0 { box.release() }
        return signal
    }

    final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func name(_ signal: Int32) -> String { String(cString: rb_guard_signal_name(signal)) }
}
