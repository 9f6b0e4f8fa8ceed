// The script compile service: a helper process that compiles scripts with
// sourcekitd's compile request (the toolchain's libsourcekitdInProc.so), so
// each compile runs the Swift frontend inside a process that is already
// running instead of starting swift-frontend: about 55-70 ms less per compile
// of the particle script here. The engine builds compile_service.c with the
// toolchain's clang into its script cache (as it builds the SDK) and runs it
// beside the player, never inside it: a crash here costs one compile, not the
// show. This target exists only so every build checks the file.
//
// Every compile gets a fresh compiler instance (the session is closed after
// each reply). sourcekitd can keep the instance and re-type-check only the
// function bodies that changed (about 0.14 s instead of 0.33 s), but with
// Swift 6.3.1 that path resolves a body's local names wrongly: after
// `let speed = 2; return speed` was edited, the compiled code returned a global
// named `speed` instead, with no diagnostic; without such a global, "use of
// local variable before its declaration". Its upstream test is disabled.
//
// Protocol, one line each, over the helper's stdin and stdout (arguments never
// contain a newline; the engine does not use the service for paths that do):
//
//   helper -> engine, once:  "ready" | "failed <reason>"
//   engine -> helper:        "compile <session>" "<n>" then n argument lines
//                            (swiftc-style: -c -wmo files -module-name ... -o out.o)
//   helper -> engine:        "done <status> <m>" then m diagnostic lines
//                            ("file:line:col: error: message", or "error: message");
//                            status 0: the object was written; 1: it did not compile
//   anything unexpected:     "done -1 1" and "error: <why>"
//
// The helper exits when its stdin closes (the engine went away).
#ifndef RASTERBAR_COMPILE_SERVICE_H
#define RASTERBAR_COMPILE_SERVICE_H

/// The protocol's version. (The helper's file in the cache is named by a hash of this
/// header and the source, so any change builds it again.)
#define RB_COMPILE_SERVICE_VERSION 2

#endif
