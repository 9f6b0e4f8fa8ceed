#define _GNU_SOURCE
#include "rasterbar_guard.h"
#include <link.h>
#include <poll.h>
#include <unistd.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static const int guarded_signals[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGABRT};
#define GUARDED_COUNT (sizeof guarded_signals / sizeof guarded_signals[0])

static struct sigaction previous[GUARDED_COUNT];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static __thread sigjmp_buf *current_jump;
static __thread volatile sig_atomic_t caught_signal;
static __thread int has_alt_stack;
/// The serial of the guarded call running on this thread (0: none), so an
/// interruption meant for a call that has ended is ignored.
static __thread volatile sig_atomic_t active_serial;

// Code where an interruption may land: the scripts' and the SDK's images.
// Jumping out of anything else (malloc holding its lock, the Swift runtime in
// the middle of a cache update) could leave the process unable to go on.
#define MAX_RANGES 8192
static struct { uintptr_t start, end; } ranges[MAX_RANGES];
static volatile sig_atomic_t range_count;
static pthread_mutex_t range_lock = PTHREAD_MUTEX_INITIALIZER;

static int in_script_code(uintptr_t pc) {
    int count = range_count;
    for (int i = 0; i < count; i++) {
        if (pc >= ranges[i].start && pc < ranges[i].end) return 1;
    }
    return 0;
}

static uintptr_t interrupted_pc(void *ucontext) {
    ucontext_t *uc = ucontext;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

static void interrupt_handler(int sig, siginfo_t *info, void *ucontext) {
    // Only the call the watchdog meant, only while it runs script code; the
    // watchdog asks again a few milliseconds later otherwise.
    sigjmp_buf *jump = current_jump;
    if (!jump || active_serial == 0 || info->si_value.sival_int != active_serial) return;
    if (!in_script_code(interrupted_pc(ucontext))) return;
    current_jump = NULL;
    caught_signal = sig;
    siglongjmp(*jump, 1);
}

// Where stderr really goes while a tap reads fd 2 through a pipe (see
// rb_guard_set_stderr_drain); -1 when there is no tap.
static volatile int drain_from = -1, drain_to = -1;

/// Copies what is waiting in the tap's pipe to the real stderr, from a signal
/// handler: the crash that takes the process down comes right after the Swift
/// runtime printed why, and the tap's thread would not get to copy it.
static void drain_stderr(void) {
    int from = drain_from, to = drain_to;
    if (from < 0 || to < 0) return;
    char buffer[4096];
    struct pollfd p = {from, POLLIN, 0};
    for (int rounds = 0; rounds < 64 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN); rounds++) {
        ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buffer + off, (size_t)(n - off));
            if (w <= 0) break;
            off += w;
        }
    }
}

void rb_guard_set_stderr_drain(int from, int to) {
    drain_from = from;
    drain_to = to;
}

static void chain(int sig, siginfo_t *info, void *ucontext) {
    // Not a guarded call: the process is going down. Let the last words out first.
    drain_stderr();
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        if (guarded_signals[i] != sig) continue;
        struct sigaction *old = &previous[i];
        if (old->sa_flags & SA_SIGINFO) {
            if (old->sa_sigaction) { old->sa_sigaction(sig, info, ucontext); return; }
        } else if (old->sa_handler == SIG_IGN) {
            return;
        } else if (old->sa_handler != SIG_DFL && old->sa_handler) {
            old->sa_handler(sig);
            return;
        }
        // Default action: restore it and let the signal take the process down
        // (a fault re-executes on return; a raised signal is re-raised).
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
}

static void handler(int sig, siginfo_t *info, void *ucontext) {
    sigjmp_buf *jump = current_jump;
    if (jump) {
        current_jump = NULL;
        caught_signal = sig;
        siglongjmp(*jump, 1);
    }
    chain(sig, info, ucontext);
}

static void install_handlers(void) {
    struct sigaction interrupt;
    memset(&interrupt, 0, sizeof interrupt);
    interrupt.sa_sigaction = interrupt_handler;
    interrupt.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&interrupt.sa_mask);
    sigaction(RB_GUARD_TIMEOUT_SIGNAL, &interrupt, NULL);
    for (size_t i = 0; i < GUARDED_COUNT; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = handler;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(guarded_signals[i], &action, &previous[i]);
    }
}

void rb_guard_install(void) {
    pthread_once(&install_once, install_handlers);
    if (!has_alt_stack) {
        // A runaway recursion faults with no stack left: handle it on another one.
        stack_t stack;
        stack.ss_size = 256 * 1024;
        stack.ss_sp = malloc(stack.ss_size);
        stack.ss_flags = 0;
        if (stack.ss_sp && sigaltstack(&stack, NULL) == 0) has_alt_stack = 1;
    }
}

int rb_guard_call(void (*fn)(void *context), void *context, int serial) {
    sigjmp_buf jump;
    sigjmp_buf *outer = current_jump;
    sig_atomic_t outer_serial = active_serial;
    // savemask = 1: the jump restores the signal mask the handler blocked.
    if (sigsetjmp(jump, 1)) {
        current_jump = outer;
        active_serial = outer_serial;
        return caught_signal;
    }
    current_jump = &jump;
    active_serial = serial;
    fn(context);
    active_serial = outer_serial;
    current_jump = outer;
    return 0;
}

int rb_guard_interrupt(pthread_t thread, int serial) {
    union sigval value;
    value.sival_int = serial;
    return pthread_sigqueue(thread, RB_GUARD_TIMEOUT_SIGNAL, value) == 0;
}

static int add_ranges(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    const char *fragment = data;
    if (!info->dlpi_name || !strstr(info->dlpi_name, fragment)) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        int known = 0;
        for (int r = 0; r < range_count; r++) known |= ranges[r].start == start;
        if (known || range_count >= MAX_RANGES) continue;
        ranges[range_count].start = start;
        ranges[range_count].end = end;
        // The handler reads the count: publish the range before it.
        __atomic_store_n(&range_count, range_count + 1, __ATOMIC_RELEASE);
    }
    return 0;
}

void rb_guard_register_images(const char *path_fragment) {
    pthread_mutex_lock(&range_lock);
    dl_iterate_phdr(add_ranges, (void *)path_fragment);
    pthread_mutex_unlock(&range_lock);
}

int rb_guard_timeout_signal(void) { return RB_GUARD_TIMEOUT_SIGNAL; }

const char *rb_guard_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case RB_GUARD_TIMEOUT_SIGNAL: return "timeout";
    default: return "signal";
    }
}
