// The JSON reader of gateway/util/jread.h: simdjson's DOM parser, walked
// once into a C tree whose nodes come from blocks kept between documents
// (every container's members contiguous in one block). Built without
// exceptions: simdjson reports errors as codes.
#include "gateway/util/jread.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <simdjson.h>

static_assert(GW_JREAD_PADDING >= simdjson::SIMDJSON_PADDING, "GW_JREAD_PADDING below simdjson's");

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

// A parser grown for bodies larger than this is not kept for the next one.
constexpr size_t KEEP_CAPACITY = 1 << 20;

constexpr size_t BLOCK_NODES = 1024;
constexpr size_t MAX_BLOCKS = 64;

struct block {
    gw_jval *nodes;
    size_t cap;
};

struct reader {
    simdjson::dom::parser parser;
    block blocks[MAX_BLOCKS] = {};   // kept between documents
    size_t nblocks = 0;
};

reader *spare;   // the reader kept between documents (the loop is single-threaded)

struct walk {
    reader *r;
    size_t block;   // the block being filled
    size_t used;    // nodes used in it
    const char *error;
};

// n contiguous nodes, or nullptr when out of memory or blocks.
gw_jval *
nodes(walk &w, size_t n)
{
    reader *r = w.r;
    while (w.block < r->nblocks && r->blocks[w.block].cap - w.used < n) {
        w.block++;   // the rest of this block stays unused
        w.used = 0;
    }
    if (w.block == r->nblocks) {
        // Each new block doubles (up to 2^20 nodes): a big document takes few blocks.
        size_t cap = BLOCK_NODES << (r->nblocks < 10 ? r->nblocks : 10);
        if (cap < n)
            cap = n;
        gw_jval *p = r->nblocks < MAX_BLOCKS
                         ? static_cast<gw_jval *>(std::malloc(cap * sizeof(gw_jval))) : nullptr;
        if (p == nullptr)
            return nullptr;
        r->blocks[r->nblocks++] = block{p, cap};
        w.used = 0;
    }
    gw_jval *out = r->blocks[w.block].nodes + w.used;
    w.used += n;
    return out;
}

bool
same_key(const gw_jval &a, const gw_jval &b)
{
    return a.key_len == b.key_len && std::memcmp(a.key, b.key, a.key_len) == 0;
}

uint32_t
hash_key(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

// A key repeated among items[0..n)?
bool
has_duplicate(const gw_jval *items, uint32_t n)
{
    if (n <= 8) {
        for (uint32_t i = 1; i < n; i++)
            for (uint32_t j = 0; j < i; j++)
                if (same_key(items[i], items[j]))
                    return true;
        return false;
    }
    size_t size = 16;
    while (size < 2 * size_t(n))
        size *= 2;
    uint32_t stack[512], *slots = size <= 512 ? stack : static_cast<uint32_t *>(
                                                          std::malloc(size * sizeof(uint32_t)));
    if (slots == nullptr)
        return true;   // out of memory: refuse rather than accept unchecked
    std::memset(slots, 0xff, size * sizeof(uint32_t));
    bool dup = false;
    for (uint32_t i = 0; i < n && !dup; i++) {
        size_t at = hash_key(items[i].key, items[i].key_len) & (size - 1);
        while (slots[at] != UINT32_MAX && !(dup = same_key(items[slots[at]], items[i])))
            at = (at + 1) & (size - 1);
        slots[at] = i;
    }
    if (slots != stack)
        std::free(slots);
    return dup;
}

// simdjson counts a container's members in 24 bits: from this count on,
// size() says only "at least", and the members are counted one by one.
constexpr size_t SIZE_SATURATED = 0xFFFFFF;

template <typename Container>
size_t
members(Container c)
{
    size_t n = c.size();
    if (n < SIZE_SATURATED)
        return n;
    n = 0;
    for (auto member : c) {
        (void)member;
        n++;
    }
    return n;
}

// Makes out an array or object of n members and returns their nodes, or
// nullptr (with the error set) when out of memory or past uint32_t members.
gw_jval *
container(walk &w, gw_jval &out, gw_jtype type, size_t n)
{
    if (n > UINT32_MAX) {
        w.error = "too many members in one array or object";
        return nullptr;
    }
    gw_jval *items = nodes(w, n);
    if (items == nullptr) {
        w.error = "out of memory";
        return nullptr;
    }
    out.type = type;
    out.n = uint32_t(n);
    out.v.items = items;
    return items;
}

bool
has_nul(std::string_view s)
{
    return std::memchr(s.data(), '\0', s.size()) != nullptr;
}

bool
failed(walk &w)
{
    w.error = "value of an unexpected type";
    return false;
}

bool
fill(walk &w, gw_jval &out, element e)
{
    out.n = 0;
    switch (e.type()) {
    case element_type::NULL_VALUE:
        out.type = GW_JNULL;
        return true;
    case element_type::BOOL: {
        bool b = false;
        if (e.get_bool().get(b) != simdjson::SUCCESS)
            return failed(w);
        out.type = b ? GW_JTRUE : GW_JFALSE;
        return true;
    }
    case element_type::INT64:
        out.type = GW_JINT;
        if (e.get_int64().get(out.v.i) != simdjson::SUCCESS)
            return failed(w);
        return true;
    case element_type::UINT64:
        w.error = "too big integer";
        return false;
    case element_type::DOUBLE:
        out.type = GW_JREAL;
        if (e.get_double().get(out.v.d) != simdjson::SUCCESS)
            return failed(w);
        return true;
    case element_type::STRING: {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS)
            return failed(w);
        if (has_nul(s)) {
            w.error = "\\u0000 is not allowed in a string";
            return false;
        }
        out.type = GW_JSTRING;
        out.n = uint32_t(s.size());
        out.v.s = s.data();
        return true;
    }
    case element_type::ARRAY: {
        simdjson::dom::array arr;
        if (e.get_array().get(arr) != simdjson::SUCCESS)
            return failed(w);
        gw_jval *items = container(w, out, GW_JARRAY, members(arr));
        if (items == nullptr)
            return false;
        uint32_t i = 0;
        for (element child : arr) {
            items[i].key = nullptr;
            items[i].key_len = 0;
            if (!fill(w, items[i++], child))
                return false;
        }
        return true;
    }
    case element_type::OBJECT: {
        simdjson::dom::object obj;
        if (e.get_object().get(obj) != simdjson::SUCCESS)
            return failed(w);
        gw_jval *items = container(w, out, GW_JOBJECT, members(obj));
        if (items == nullptr)
            return false;
        uint32_t i = 0;
        for (simdjson::dom::key_value_pair field : obj) {
            if (has_nul(field.key)) {
                w.error = "\\u0000 is not allowed in a key";
                return false;
            }
            items[i].key = field.key.data();
            items[i].key_len = field.key.size();
            if (!fill(w, items[i++], field.value))
                return false;
        }
        if (has_duplicate(items, out.n)) {
            w.error = "duplicate object key";
            return false;
        }
        return true;
    }
    }
    w.error = "unknown value";
    return false;
}

// Keeps r for the next document, unless one is kept already or r grew large.
void
release(reader *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->nblocks; i++)
        kept += r->blocks[i].cap * sizeof(gw_jval);
    if (spare == nullptr && r->parser.capacity() <= KEEP_CAPACITY && kept <= KEEP_CAPACITY) {
        spare = r;
        return;
    }
    for (size_t i = 0; i < r->nblocks; i++)
        std::free(r->blocks[i].nodes);
    delete r;
}

}  // namespace

struct gw_jdoc {
    reader *r;
};

extern "C" const gw_jval *
gw_jparse_padded(gw_jdoc **doc, const char *buf, size_t len, int padded, char *err,
                 size_t errlen)
{
    reader *r = spare;
    element root;
    walk w{};

    *doc = nullptr;
    spare = nullptr;
    if (r == nullptr && (r = new (std::nothrow) reader) == nullptr) {
        std::snprintf(err, errlen, "out of memory parsing JSON");
        return nullptr;
    }
    auto code = r->parser.parse(buf, len, !padded).get(root);
    if (code != simdjson::SUCCESS) {
        std::snprintf(err, errlen, "malformed JSON: %s", simdjson::error_message(code));
        release(r);
        return nullptr;
    }
    w.r = r;
    gw_jval *top = nodes(w, 1);
    gw_jdoc *d = top != nullptr ? new (std::nothrow) gw_jdoc{r} : nullptr;
    if (d == nullptr) {
        std::snprintf(err, errlen, "out of memory parsing JSON");
        release(r);
        return nullptr;
    }
    top->key = nullptr;
    top->key_len = 0;
    if (!fill(w, *top, root)) {
        std::snprintf(err, errlen, "malformed JSON: %s", w.error);
        gw_jdoc_free(d);
        return nullptr;
    }
    *doc = d;
    return top;
}

extern "C" void
gw_jdoc_free(gw_jdoc *doc)
{
    if (doc == nullptr)
        return;
    reader *r = doc->r;
    delete doc;
    release(r);
}
