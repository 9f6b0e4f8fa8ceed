// The C maths library behind the SDK's Float functions, kept internal so that
// scripts do not import it.
internal import Glibc

@usableFromInline func libmSin(_ x: Float) -> Float { sinf(x) }
@usableFromInline func libmCos(_ x: Float) -> Float { cosf(x) }
@usableFromInline func libmTan(_ x: Float) -> Float { tanf(x) }
@usableFromInline func libmAtan2(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
@usableFromInline func libmExp(_ x: Float) -> Float { expf(x) }
@usableFromInline func libmLog(_ x: Float) -> Float { logf(x) }
@usableFromInline func libmPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
