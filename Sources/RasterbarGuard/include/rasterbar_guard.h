// The crash guard around every call into a scene script.
//
// Why C: catching a trap means sigsetjmp before the call and siglongjmp out
// of a signal handler, which Swift cannot express. Measured with Swift 6.3
// on Linux x86-64 (ScriptTests provokes each one): fatalError, index out of range, division by zero and
// force-unwrapping nil arrive as SIGILL (or SIGTRAP), bad pointers as SIGSEGV
// or SIGBUS; after the jump the host keeps running and can still do dynamic
// casts. Outside guarded calls every signal goes to the handler that was
// installed before (the Swift runtime's backtracer, or the default).
#ifndef RASTERBAR_GUARD_H
#define RASTERBAR_GUARD_H
#include <pthread.h>
#include <signal.h>

/// The signal the watchdog interrupts a script call with; a guarded call it
/// ends returns this number ("timeout").
#define RB_GUARD_TIMEOUT_SIGNAL SIGUSR2

/// Installs the handlers (once per process; later calls only add an alternate
/// signal stack for the calling thread, so a stack overflow can be caught too).
void rb_guard_install(void);

/// Calls fn(context). Returns 0 when it returned normally, or the number of
/// the signal (SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGABRT, or
/// RB_GUARD_TIMEOUT_SIGNAL after rb_guard_interrupt) that ended it. Guarded
/// calls may nest; the innermost catches. `serial` (non-zero) names this call
/// for rb_guard_interrupt; 0 makes it uninterruptible.
int rb_guard_call(void (*fn)(void *context), void *context, int serial);

/// Asks `thread` to leave its guarded call `serial` (any thread may ask). The
/// call is left only when the signal lands in a script's own code (an image
/// registered with rb_guard_register_images), never inside the C library or
/// the Swift runtime, where a lock could be held: ask again a few milliseconds
/// later until the call returns. Returns 0 if the signal could not be sent.
int rb_guard_interrupt(pthread_t thread, int serial);

/// Registers the executable code of every loaded image whose path contains
/// `path_fragment` (the script cache: scripts and the SDK) as interruptible.
/// Call after each dlopen of a script.
void rb_guard_register_images(const char *path_fragment);

/// A stderr tap reads fd 2 through the pipe `from` and copies it to `to`: a
/// crash outside any guarded call first copies what is still in the pipe, so
/// the runtime's last message reaches the real stderr (and a supervisor).
void rb_guard_set_stderr_drain(int from, int to);

/// RB_GUARD_TIMEOUT_SIGNAL, for languages that cannot import the macro.
int rb_guard_timeout_signal(void);

/// "SIGILL" and so on.
const char *rb_guard_signal_name(int signal);

#endif
