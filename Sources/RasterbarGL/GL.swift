// Small helpers over the raw GL C API: enum conversions, driver names, finishing.
import CGL

/// GL's enum macros import as Int32; GL functions take GLenum (UInt32).
@inline(__always) func glEnum(_ value: Int32) -> GLenum { GLenum(value) }

/// The driver's name for the current context, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
public func currentRendererName() -> String {
    guard let p = glGetString(glEnum(GL_RENDERER)) else { return "unknown renderer" }
    return String(cString: p)
}

/// The version string of the current context, e.g. "4.5 (Core Profile) Mesa 22.3.6".
public func currentGLVersion() -> String {
    guard let p = glGetString(glEnum(GL_VERSION)) else { return "unknown version" }
    return String(cString: p)
}

/// Waits until every GL command issued so far has finished (for timing and reports).
public func finishGL() { glFinish() }
