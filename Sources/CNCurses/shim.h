// SwiftPM drops pkg-config's -D flags: define the wide-character API before including curses,
// and export what Swift cannot import (function-like and attribute macros).
#ifndef POSTERN_CNCURSES_SHIM_H
#define POSTERN_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

int wcwidth(wchar_t c);

static const int postern_A_NORMAL = A_NORMAL;
static const int postern_A_BOLD = A_BOLD;
static const int postern_A_DIM = A_DIM;
static const int postern_A_REVERSE = A_REVERSE;
static const int postern_A_UNDERLINE = A_UNDERLINE;
static const int postern_A_ITALIC = A_ITALIC;

static inline int postern_color_pair(int n) { return COLOR_PAIR(n); }
#endif
