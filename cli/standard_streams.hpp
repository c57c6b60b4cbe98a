// Keeps libstdc++'s standard streams (std::cout, std::cerr, std::cin) from being
// constructed before main in every run, so a hit does not pay for them.
//
// With GCC 12's libstdc++, every translation unit that includes <iostream> (CLI11
// does) gets a static std::ios_base::Init, which builds the eight standard
// streams and the classic locale before main: 44k instructions and the page
// faults of the locale code, more than a quarter of a hit's instructions, for
// streams a hit never uses. This header, force-included first into cli/ (see
// CMakeLists.txt), declares what <iostream> declares, without that object, and
// marks <iostream> as included. Every path that may use the streams (everything
// past the fast `get`, see main.cpp) constructs them first with
// construct_standard_streams(). Other standard libraries, or a libstdc++ whose
// <iostream> has no such object (GCC 13 moved it into the library), make this a
// plain include of <iostream>.
#pragma once

#include <version>  // names the standard library (__GLIBCXX__) without <iostream>

#if defined(__GLIBCXX__) && !defined(_GLIBCXX_IOSTREAM) && __GNUC__ == 12
#include <istream>
#include <ostream>
#define _GLIBCXX_IOSTREAM 1
namespace std {
extern istream cin;
extern ostream cout;
extern ostream cerr;
extern ostream clog;
extern wistream wcin;
extern wostream wcout;
extern wostream wcerr;
extern wostream wclog;
}  // namespace std
#else
#include <iostream>
#endif

namespace djc {

// Constructs the standard streams, once; call before anything may use them.
inline void construct_standard_streams() { static const std::ios_base::Init streams; }

}  // namespace djc
