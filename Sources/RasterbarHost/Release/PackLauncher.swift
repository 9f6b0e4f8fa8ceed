// The files a pack carries for people: `run` (a POSIX sh launcher) and
// README.txt. `run` plays the demo fullscreen, `run --window` in a window,
// and `run COMMAND ...` passes any rasterbar command through to the packed
// engine, with the packed demo as its default demo (RASTERBAR_DEMO) and the
// packed scripts (RASTERBAR_PREBUILT). Before playing it checks for a
// display, and when the engine cannot start it names the missing libraries
// and the packages that provide them.
import Foundation
import RasterbarCore

enum PackLauncher {
    /// The machine's architecture as people name it.
    static var architecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #else
        return "this machine's architecture"
        #endif
    }

    /// What a library is for, for a person reading what is missing.
    static func purpose(of library: String) -> String? {
        let table: [(String, String)] = [
            ("libOpenGL", "OpenGL"), ("libEGL", "OpenGL (EGL)"), ("libGL", "OpenGL"), ("libglfw", "the window (GLFW)"),
            ("libSDL2", "sound (SDL 2)"), ("libsndfile", "music decoding"), ("libaubio", "tempo detection"),
            ("libpng", "PNG images"), ("libfreetype", "overlay text"), ("libdeflate", "PNG export"),
            ("libstdc++", "the C++ runtime"), ("libgcc_s", "the C runtime"), ("libxml2", "XML (Foundation)"), ("libc.so", "the C library"),
        ]
        return table.first { library.hasPrefix($0.0) }?.1
    }

    /// Quoted for sh inside single quotes.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// A path as a person would type it into sh: as it is when that is safe, else quoted.
    static func shellWord(_ text: String) -> String { RasterbarError.shellWord(text) }

    static func script(_ manifest: PackManifest, font: String?) -> String {
        let title = manifest.title + (manifest.author.map { " by \($0)" } ?? "")
        let size = "\(manifest.resolution[0])x\(manifest.resolution[1])"
        let packages = Array(Set(manifest.systemLibraries.compactMap(\.package))).sorted()
        var cases = ""
        for library in manifest.runtimeLibraries {
            cases += "        \(quoted(library))) echo ' (the Swift runtime: it belongs in engine/lib; copy or unpack the whole pack again)' ;;\n"
        }
        for library in manifest.systemLibraries {
            let what = [purpose(of: library.name), library.package.map { "package \($0)" }].compactMap { $0 }.joined(separator: ", ")
            cases += "        \(quoted(library.name))) echo \(quoted(what.isEmpty ? "" : " (\(what))")) ;;\n"
        }
        return """
            #!/bin/sh
            # \(title.replacingOccurrences(of: "\n", with: " ")), packed with Rasterbar on \(manifest.created).
            #
            #   ./run                     plays the demo fullscreen at \(size) (Esc quits, Space pauses, F: a window)
            #   ./run --window            plays it in a window
            #   ./run [--window] OPTIONS  with play's options: --start 12, --loop, --mute, --overlay, ...
            #   ./run render --time 12 --out frame.png
            #                             renders a frame headless; every rasterbar command works, on this demo
            #   ./run --help              this, then the engine's commands
            #
            # Needs Linux (\(architecture), glibc), OpenGL 4.1 (a GPU driver or Mesa) and, to play,
            # a display; no Swift toolchain. README.txt says more.

            # The pack's folder: $0 may be a link (ln -s /path/pack/run ~/bin/demo), a relative one, a chain.
            self=$0
            while [ -L "$self" ]; do
                link=$(readlink -- "$self") || break
                case "$link" in
                    /*) self=$link ;;
                    *) self=$(dirname -- "$self")/$link ;;
                esac
            done
            here=$(CDPATH= cd -- "$(dirname -- "$self")" && pwd -P) || exit 1
            engine="$here/\(manifest.engine)"
            # The packed Swift runtime before any other (LD_LIBRARY_PATH outranks the engine's RUNPATH).
            if [ -n "${LD_LIBRARY_PATH-}" ]; then LD_LIBRARY_PATH="$here/engine/lib:$LD_LIBRARY_PATH"; export LD_LIBRARY_PATH; fi
            RASTERBAR_DEMO="$here/\(manifest.demo)"
            RASTERBAR_PREBUILT="$here/scripts"
            # The command the engine's hints show for `rasterbar` (this launcher, as it was called).
            RASTERBAR_COMMAND=$0
            export RASTERBAR_DEMO RASTERBAR_PREBUILT RASTERBAR_COMMAND
            \(font.map { "if [ -z \"${RASTERBAR_FONT-}\" ] && [ -f \"$here/engine/\($0)\" ]; then RASTERBAR_FONT=\"$here/engine/\($0)\"; export RASTERBAR_FONT; fi" } ?? "")

            play=
            case "${1-}" in
                "") play=fullscreen ;;
                --window) shift; play=window ;;
                -h|--help|help) sed -n '3,12s/^# \\{0,1\\}//p' "$self"; echo; exec "$engine" --help ;;
                -*) play=fullscreen ;;
            esac

            if [ -n "$play" ]; then
                if [ -z "${DISPLAY-}" ] && [ -z "${WAYLAND_DISPLAY-}" ]; then
                    echo "run: no display (DISPLAY and WAYLAND_DISPLAY are not set): the demo plays on a screen." >&2
                    echo "run: run it from a desktop session; without one, ./run render --time 12 --out frame.png renders a frame headless," >&2
                    echo "run: or xvfb-run -s '-screen 0 \(size)x24' ./run --window plays it on a virtual display." >&2
                    exit 2
                fi
                if [ "$play" = fullscreen ]; then set -- play --fullscreen "$@"; else set -- play "$@"; fi
            fi

            # What a library is for, and which package has it (from the machine that packed).
            describe() {
                case "$1" in
            \(cases)        *) echo '' ;;
                esac
            }

            # What the loader would lack, said before starting: the engine then replaces this shell
            # (exec), so that ending the launcher ends the demo.
            if [ ! -x "$engine" ]; then
                echo "run: $engine is missing or not executable: unpack the whole folder again" >&2
                exit 127
            fi
            missing=$(ldd "$engine" 2>/dev/null | sed -n 's/^[[:space:]]*\\([^[:space:]]*\\) => not found.*/\\1/p' | sort -u)
            if [ -n "$missing" ]; then
                echo "run: this machine lacks libraries the demo needs:" >&2
                for lib in $missing; do echo "run:   $lib$(describe "$lib")" >&2; done
                \(packages.isEmpty ? "echo \"run: install them with the system's package manager\" >&2" : "echo \"run: on Debian or Ubuntu: sudo apt-get install \(packages.joined(separator: " "))\" >&2")
                echo "run: (and for OpenGL without a GPU driver: libgl1-mesa-dri libglx-mesa0 libegl-mesa0)" >&2
                exit 127
            fi
            exec "$engine" "$@"

            """
    }

    static func readme(_ manifest: PackManifest) -> String {
        let size = "\(manifest.resolution[0])x\(manifest.resolution[1])"
        let packages = Array(Set(manifest.systemLibraries.compactMap(\.package))).sorted()
        return """
            \(manifest.title)\(manifest.author.map { " by \($0)" } ?? "")
            Packed with Rasterbar on \(manifest.created) (\(manifest.engineBuild) engine).

            Play it
              ./run                   fullscreen at \(size) (Esc quits, Space pauses, F toggles fullscreen,
                                      Tab shows the time and fps)
              ./run --window          in a window
              ./run --window --start 12 --loop --mute
                                      play's options work too (./run play --help lists them)

            Render it, without a display
              ./run render --time 12 --out frame.png
              ./run render --from 0 --to 40 --out demo.mp4      (needs ffmpeg)
              Any rasterbar command works: ./run COMMAND ... uses this demo.

            What the machine needs
              Linux on \(architecture) with glibc, OpenGL 4.1 core (your GPU's driver, or Mesa:
              on Debian or Ubuntu libgl1-mesa-dri libglx-mesa0 libegl-mesa0) and a
              display to play on. No Swift toolchain: the Swift runtime is in engine/lib\(manifest.scripts.isEmpty ? "." : ",\n  and the scripts are compiled (scripts/).")
              The libraries it takes from the system \(packages.isEmpty ? "are listed in pack.json (systemLibraries)." : "come from these Debian packages:\n    sudo apt-get install \(packages.joined(separator: " "))")
              If one is missing, ./run names it.

            Inside
              run          the launcher (a shell script)
              demo/        the demo: \(manifest.files.count) files\(manifest.scripts.isEmpty ? "" : "\n  scripts/     its \(manifest.scripts.count) scene script\(manifest.scripts.count == 1 ? "" : "s"), compiled with -O, and their SDK")
              engine/      the Rasterbar engine and the Swift runtime libraries
              pack.json    what is inside, and which system libraries it uses

            """
    }
}
