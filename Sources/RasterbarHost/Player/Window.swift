// The demo window (GLFW 3.3, GL 4.1+ core): shows the demo's offscreen image
// scaled and letterboxed, and turns keys into player commands. Windows need a
// display; with none, opening one fails with `.noDisplay` and a way out.
#if canImport(Glibc)
import Glibc
#endif
import CGLFW
import RasterbarCore
import RasterbarGL

/// The last error GLFW reported, for messages (GLFW reports through a C callback).
nonisolated(unsafe) private var lastGLFWError = ""

/// A GLFW window with a current GL context. Main thread only.
public final class Window {
    let handle: OpaquePointer
    let input = InputQueue()

    /// Opens a resizable window of `size` pixels with vsync on; `fullscreen`:
    /// on the primary monitor instead, in the video mode closest to `size`
    /// (the monitor's own mode when it has none closer), cursor hidden.
    public init(title: String, size: PixelSize, environment: [String: String], fullscreen: Bool = false) throws {
        let hasDisplay = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        guard hasDisplay else { throw Self.noDisplay("no display found (DISPLAY is not set)") }
        glfwSetErrorCallback { _, description in
            lastGLFWError = description.map { String(cString: $0) } ?? "unknown GLFW error"
        }
        guard glfwInit() == GLFW_TRUE else { throw Self.noDisplay("cannot open the display: \(lastGLFWError)") }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 4)
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 1)
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE)
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE)
        glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE)
        let monitor = fullscreen ? glfwGetPrimaryMonitor() : nil
        guard let window = glfwCreateWindow(Int32(size.width), Int32(size.height), title, monitor, nil) else {
            let reason = lastGLFWError
            glfwTerminate()
            throw RasterbarError(.graphicsUnavailable, "cannot open an OpenGL 4.1 core window: \(reason)",
                                 hint: "the player needs OpenGL 4.1 core from the GPU's driver or Mesa (Debian: apt-get install libgl1-mesa-dri libglx-mesa0); "
                                     + "or render headless: \(RasterbarError.command) render --time T --out frame.png")
        }
        handle = window
        if monitor != nil {
            glfwSetInputMode(window, GLFW_CURSOR, GLFW_CURSOR_HIDDEN)
            windowedFrame = (100, 100, Int32(min(size.width, 1280)), Int32(min(size.height, 720)))
        }
        glfwMakeContextCurrent(window)
        glfwSwapInterval(1)
        glfwSetWindowUserPointer(window, Unmanaged.passUnretained(input).toOpaque())
        glfwSetKeyCallback(window) { window, key, _, action, mods in
            guard let queue = InputQueue.of(window) else { return }
            queue.commands += PlayerKeys.route(key: key, action: action, mods: mods, sceneKeys: queue.sceneKeys)
        }
        glfwSetMouseButtonCallback(window) { window, button, action, _ in
            guard button == GLFW_MOUSE_BUTTON_LEFT, let queue = InputQueue.of(window) else { return }
            queue.buttonDown = action == GLFW_PRESS
            if action == GLFW_PRESS { queue.clickPending = true }
        }
    }

    deinit {
        glfwDestroyWindow(handle)
        glfwTerminate()
    }

    static func noDisplay(_ why: String) -> RasterbarError {
        RasterbarError(.noDisplay, "\(why): the player needs a window",
                       hint: "render frames headless with `\(RasterbarError.command) render --time T --out frame.png`, or play under a virtual display with `xvfb-run \(RasterbarError.command) play`")
    }

    /// The window's framebuffer size in pixels (differs from its size on HiDPI).
    public var framebufferSize: PixelSize {
        var w: Int32 = 0, h: Int32 = 0
        glfwGetFramebufferSize(handle, &w, &h)
        return PixelSize(width: max(1, Int(w)), height: max(1, Int(h)))
    }

    /// True once the window's close button was pressed.
    public var shouldClose: Bool { glfwWindowShouldClose(handle) != 0 }

    /// Handles pending window events; returns the commands they produced.
    /// True while every key goes to the scene (F1 toggles it).
    public var sceneKeys: Bool {
        get { input.sceneKeys }
        set { input.sceneKeys = newValue }
    }

    public func pollCommands() -> [PlayerCommand] {
        glfwPollEvents()
        defer { input.commands.removeAll() }
        return input.commands
    }

    /// Shows `target` scaled into the window with black bars, in the back buffer.
    public func present(_ target: RenderTarget) {
        target.present(intoDefaultFramebufferOf: framebufferSize)
    }

    /// Reads what is in the back buffer now (call after `present`, before `swap`).
    public func readBackBuffer() -> Image {
        readDefaultBackBuffer(size: framebufferSize)
    }

    /// The position and size to go back to when leaving fullscreen.
    var windowedFrame: (x: Int32, y: Int32, width: Int32, height: Int32)?

    /// Switches between a window and fullscreen on the primary monitor.
    public func toggleFullscreen() {
        if glfwGetWindowMonitor(handle) != nil {
            let f = windowedFrame ?? (100, 100, 1280, 720)
            glfwSetWindowMonitor(handle, nil, f.x, f.y, f.width, f.height, 0)
            return
        }
        guard let monitor = glfwGetPrimaryMonitor(), let mode = glfwGetVideoMode(monitor) else { return }
        var x: Int32 = 0, y: Int32 = 0, w: Int32 = 0, h: Int32 = 0
        glfwGetWindowPos(handle, &x, &y)
        glfwGetWindowSize(handle, &w, &h)
        windowedFrame = (x, y, w, h)
        glfwSetWindowMonitor(handle, monitor, 0, 0, mode.pointee.width, mode.pointee.height, mode.pointee.refreshRate)
    }

    /// True while fullscreen.
    public var isFullscreen: Bool { glfwGetWindowMonitor(handle) != nil }

    /// Shows the back buffer (waits for vsync).
    public func swap() { glfwSwapBuffers(handle) }

    /// Shadertoy's iMouse for `target`: xy follow the cursor while the left
    /// button is held, zw hold the click position (z negative once released,
    /// w negative after the click's first frame). Pixels, origin bottom-left.
    public func mouse(for target: PixelSize, previous: SIMD4<Float>) -> SIMD4<Float> {
        var cx = 0.0, cy = 0.0
        glfwGetCursorPos(handle, &cx, &cy)
        var ww: Int32 = 0, wh: Int32 = 0
        glfwGetWindowSize(handle, &ww, &wh)
        let box = Letterbox(fitting: target, into: PixelSize(width: max(1, Int(ww)), height: max(1, Int(wh))))
        let x = Float((cx - Double(box.x)) / Double(box.width) * Double(target.width))
        let y = Float((Double(box.y + box.height) - cy) / Double(box.height) * Double(target.height))
        var m = previous
        if input.buttonDown {
            m.x = x; m.y = y
            if input.clickPending { m.z = x; m.w = y; input.clickPending = false } else { m.w = -abs(m.w) }
            m.z = abs(m.z)
        } else {
            m.z = -abs(m.z); m.w = -abs(m.w)
        }
        return m
    }
}

/// Input gathered by GLFW's C callbacks between two polls.
final class InputQueue {
    var commands: [PlayerCommand] = []
    /// True while every key goes to the scene's keyboard texture (F1 toggles it).
    var sceneKeys = false
    var buttonDown = false
    var clickPending = false

    static func of(_ window: OpaquePointer?) -> InputQueue? {
        guard let raw = glfwGetWindowUserPointer(window) else { return nil }
        return Unmanaged<InputQueue>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// The player's keyboard map, separate from GLFW's callbacks so tests can drive it.
/// Keys the player uses are the player's; every other key reaches the scene's
/// keyboard texture (Shadertoy's "keyboard" channel). F1 hands every key but
/// F1 to the scene, for pieces played with the arrows and space, and back.
public enum PlayerKeys {
    /// What one GLFW key event does: player commands, and/or a key for the scene.
    public static func route(key: Int32, action: Int32, mods: Int32, sceneKeys: Bool) -> [PlayerCommand] {
        if key == GLFW_KEY_F1 { return action == GLFW_PRESS ? [.toggleSceneKeys] : [] }
        // A release always reaches the scene, so no key stays down after F1 changed hands.
        if action == GLFW_RELEASE { return browserKeyCode(key).map { [.key(code: $0, down: false)] } ?? [] }
        if sceneKeys || command(key: key, mods: mods) == nil {
            guard let code = browserKeyCode(key), action != GLFW_REPEAT else { return [] }
            return [.key(code: code, down: action == GLFW_PRESS)]
        }
        guard action == GLFW_PRESS || action == GLFW_REPEAT, let command = command(key: key, mods: mods) else { return [] }
        return [command]
    }

    /// The browser's `keyCode` for a GLFW key (what Shadertoy's keyboard texture is indexed by), nil for keys it has none for.
    public static func browserKeyCode(_ key: Int32) -> Int? {
        switch key {
        case GLFW_KEY_SPACE, GLFW_KEY_0...GLFW_KEY_9, GLFW_KEY_A...GLFW_KEY_Z: return Int(key)
        case GLFW_KEY_F1...GLFW_KEY_F12: return 112 + Int(key - GLFW_KEY_F1)
        case GLFW_KEY_KP_0...GLFW_KEY_KP_9: return 96 + Int(key - GLFW_KEY_KP_0)
        default: break
        }
        let table: [Int32: Int] = [
            GLFW_KEY_LEFT: 37, GLFW_KEY_UP: 38, GLFW_KEY_RIGHT: 39, GLFW_KEY_DOWN: 40,
            GLFW_KEY_ENTER: 13, GLFW_KEY_KP_ENTER: 13, GLFW_KEY_ESCAPE: 27, GLFW_KEY_TAB: 9, GLFW_KEY_BACKSPACE: 8,
            GLFW_KEY_INSERT: 45, GLFW_KEY_DELETE: 46, GLFW_KEY_PAGE_UP: 33, GLFW_KEY_PAGE_DOWN: 34,
            GLFW_KEY_HOME: 36, GLFW_KEY_END: 35,
            GLFW_KEY_LEFT_SHIFT: 16, GLFW_KEY_RIGHT_SHIFT: 16, GLFW_KEY_LEFT_CONTROL: 17, GLFW_KEY_RIGHT_CONTROL: 17,
            GLFW_KEY_LEFT_ALT: 18, GLFW_KEY_RIGHT_ALT: 18,
            GLFW_KEY_SEMICOLON: 186, GLFW_KEY_EQUAL: 187, GLFW_KEY_COMMA: 188, GLFW_KEY_MINUS: 189, GLFW_KEY_PERIOD: 190,
            GLFW_KEY_SLASH: 191, GLFW_KEY_GRAVE_ACCENT: 192, GLFW_KEY_LEFT_BRACKET: 219, GLFW_KEY_BACKSLASH: 220,
            GLFW_KEY_RIGHT_BRACKET: 221, GLFW_KEY_APOSTROPHE: 222,
        ]
        return table[key]
    }

    /// The command for a key press, or nil for keys the player ignores.
    public static func command(key: Int32, mods: Int32) -> PlayerCommand? {
        let shift = mods & GLFW_MOD_SHIFT != 0
        switch key {
        case GLFW_KEY_ESCAPE: return .quit
        case GLFW_KEY_SPACE: return .togglePause
        case GLFW_KEY_LEFT: return .seek(by: shift ? -10 : -1)
        case GLFW_KEY_RIGHT: return .seek(by: shift ? 10 : 1)
        case GLFW_KEY_UP: return .nextScene
        case GLFW_KEY_DOWN: return .previousScene
        case GLFW_KEY_HOME: return .restart
        case GLFW_KEY_L: return .toggleSceneLoop
        case GLFW_KEY_R: return .reloadAll
        case GLFW_KEY_F: return .toggleFullscreen
        case GLFW_KEY_TAB: return .toggleOverlay
        default: return nil
        }
    }
}
