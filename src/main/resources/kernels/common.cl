// Helpers shared by every kernel file; the host prepends this file to each program's source.
//
// Macros: none.
// source_index   maps a coordinate of the padded input to a source index in [0, size), or -1 for a zero.
//                Padding modes: 0 zeros, 1 reflect, 2 replicate, 3 circular.

inline int source_index(int c, int size, int mode) {
    if (c >= 0 && c < size) return c;
    if (mode == 1) return c < 0 ? -c : 2 * (size - 1) - c;
    if (mode == 2) return c < 0 ? 0 : size - 1;
    if (mode == 3) { int m = c % size; return m < 0 ? m + size : m; }
    return -1;
}
