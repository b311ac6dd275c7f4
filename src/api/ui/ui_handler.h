// Serves the embedded web UI: "/" redirects to "/ui/", every page under
// "/ui/" gets index.html (the UI routes on the client, so shared URLs like
// /ui/query?q=up work), and "/ui/assets/..." are the bundled script and
// stylesheet, content-hashed and cached as immutable.
//
// Thread-safety: the handlers only read the immutable asset table.
#pragma once

#include "api/http/http.h"

namespace vigil::ui {

void RegisterUi(http::Router* router);

}  // namespace vigil::ui
