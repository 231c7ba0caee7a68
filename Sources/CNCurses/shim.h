// SwiftPM drops pkg-config's -D flags: define the wide-character API before including curses,
// and export what Swift cannot import (function-like and attribute macros, C globals).
#ifndef POSTERN_CNCURSES_SHIM_H
#define POSTERN_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

int wcwidth(wchar_t c);
// A GNU extension Glibc's module hides; the console's substring filter sweeps with it.
void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);

static const int postern_A_NORMAL = A_NORMAL;
static const int postern_A_BOLD = A_BOLD;
static const int postern_A_DIM = A_DIM;
static const int postern_A_REVERSE = A_REVERSE;
static const int postern_A_UNDERLINE = A_UNDERLINE;
static const int postern_A_ITALIC = A_ITALIC;

static inline int postern_color_pair(int n) { return COLOR_PAIR(n); }

// Key codes: KEY_F(n) is function-like; the plain ones import but are kept together here.
static inline int postern_key_f(int n) { return KEY_F(n); }
static const int postern_KEY_CODE_YES = KEY_CODE_YES;

// The C globals COLORS and COLOR_PAIRS are rejected by Swift 6 strict concurrency.
static inline int postern_colors(void) { return COLORS; }
static inline int postern_color_pairs(void) { return COLOR_PAIRS; }

// stdscr is a C global too; newterm sets it for the screen it makes.
static inline WINDOW *postern_stdscr(void) { return stdscr; }

// wattr_set may be a macro; the extended-pair form passes the pair through `opts`
// so pairs above 32767 (direct-colour terminals) work too.
static inline int postern_wattr_set(WINDOW *win, int attrs, int pair) {
    return wattr_set(win, (attr_t)attrs, (NCURSES_PAIRS_T)(pair > 32767 ? 0 : pair), &pair);
}
#endif
