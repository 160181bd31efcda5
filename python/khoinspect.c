/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Python module `khoinspect`: a thin C extension over libkhoinspect's
 * public API (include/khoinspect.h) and nothing else, so it sees what any
 * other client sees. README.md "Python" shows it in use (with drgn).
 *
 *   h = khoinspect.open("vmcore")                       # a path, with options
 *   h = khoinspect.open(read=fn, page_size=4096, fdt_phys=0x100141000)
 *   for r in h.ranges(): r.start, r.end, r.order, r.blocks, r.owner
 *
 * Choices, and why:
 *  - Linked with the static libkhoinspect.a: the module needs no rpath, no
 *    ldconfig and no library of a matching soname beside it, from the build
 *    tree or installed; only the system's libelf, libkdumpfile, libfdt and
 *    libxxhash come from outside. -fvisibility=hidden keeps every library
 *    symbol inside the module (only PyInit_khoinspect is exported).
 *  - The GIL is held throughout (a read callback calls Python); other
 *    threads run only while a callback's Python code lets them, and a
 *    hand-over busy in a call raises for them as it does for its callback.
 *  - A read callback's exception propagates as it was raised (the library's
 *    message added as a note); a callback returning None or fewer bytes than
 *    asked is NODATA ("not in the dump"), as are the exceptions named by
 *    nodata= (drgn.FaultError for a drgn reader).
 *  - A hand-over whose read callback is running cannot be closed or used
 *    from inside the callback (the library is not re-entrant); a closed one
 *    raises khoinspect.Error. Neither can crash the interpreter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <khoinspect.h>

PyMODINIT_FUNC PyInit_khoinspect(void);

static PyObject *Error;             /* khoinspect.Error */
static PyTypeObject *RangeType;     /* struct sequences */
static PyTypeObject *FindingType;
static PyTypeObject *SubnodeType;
static PyTypeObject *DiffLineType;

/* ---- Errors ------------------------------------------------------------- */

/* A C string the library returned, as str (None for NULL). Bytes that are
 * not UTF-8 (names read from a dump) come out backslash-escaped. */
static PyObject *str_or_none(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "backslashreplace");
}

static PyObject *u64_or_none(bool have, uint64_t v)
{
	if (!have)
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLongLong(v);
}

/* exc.name = v; steals v. */
static int set_attr(PyObject *exc, const char *name, PyObject *v)
{
	int r;

	if (!v)
		return -1;
	r = PyObject_SetAttrString(exc, name, v);
	Py_DECREF(v);
	return r;
}

/* A khoinspect.Error instance: str() is the message; .code, .message,
 * .errno (0 unless ERR_OS), .phys (None unless the error names an address). */
static PyObject *error_new(int code, const char *msg, int err_no, bool has_phys,
			   uint64_t phys)
{
	PyObject *m = str_or_none(msg), *exc;

	if (!m)
		return NULL;
	exc = PyObject_CallOneArg(Error, m);
	if (exc && (set_attr(exc, "code", PyLong_FromLong(code)) < 0 ||
		    set_attr(exc, "message", Py_NewRef(m)) < 0 ||
		    set_attr(exc, "errno", PyLong_FromLong(err_no)) < 0 ||
		    set_attr(exc, "phys", u64_or_none(has_phys, phys)) < 0))
		Py_CLEAR(exc);
	Py_DECREF(m);
	return exc;
}

/* Raises err as khoinspect.Error (partial, if not NULL, as its .partial:
 * what an incomplete operation handed out) and frees it. Returns NULL. */
static PyObject *raise_error(struct khoinspect_error *err, PyObject *partial)
{
	uint64_t phys = 0;
	bool has_phys = khoinspect_error_phys(err, &phys);
	PyObject *exc = error_new((int)khoinspect_error_code(err),
				  khoinspect_error_message(err),
				  khoinspect_error_errno(err), has_phys, phys);

	khoinspect_error_free(err);
	if (!exc)
		return NULL;
	if (partial && PyObject_SetAttrString(exc, "partial", partial) < 0) {
		Py_DECREF(exc);
		return NULL;
	}
	PyErr_SetObject(Error, exc);
	Py_DECREF(exc);
	return NULL;
}

/* A usage error found here, before the library is asked. */
static PyObject *usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static PyObject *usage_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	PyObject *exc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	exc = error_new(KHOINSPECT_ERR_USAGE, msg, 0, false, 0);
	if (exc) {
		PyErr_SetObject(Error, exc);
		Py_DECREF(exc);
	}
	return NULL;
}

/* ---- Arguments ---------------------------------------------------------- */

/* An int argument in 0..2**64-1 (None: not given). Returns 1 when given,
 * 0 for None, -1 with an exception set. */
static int get_u64(PyObject *o, const char *what, uint64_t *ret)
{
	PyObject *i;
	unsigned long long v;

	if (!o || o == Py_None)
		return 0;
	i = PyNumber_Index(o);
	if (!i) {
		PyErr_Format(PyExc_TypeError, "khoinspect: %s must be an int, not %.50s",
			     what, Py_TYPE(o)->tp_name);
		return -1;
	}
	v = PyLong_AsUnsignedLongLong(i);
	Py_DECREF(i);
	if (v == (unsigned long long)-1 && PyErr_Occurred()) {
		PyErr_Format(PyExc_OverflowError, "khoinspect: %s must be in 0..2**64-1", what);
		return -1;
	}
	*ret = v;
	return 1;
}

/* An order argument: None (every order, -1) or 0..63. */
static int get_order(PyObject *o, int *ret)
{
	long v;

	*ret = -1;
	if (!o || o == Py_None)
		return 0;
	v = PyLong_AsLong(o);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (v < 0 || v > 63) {
		usage_error("khoinspect: order %ld: an order is 0..63 (None: every order)", v);
		return -1;
	}
	*ret = (int)v;
	return 0;
}

/* A str, bytes or os.PathLike argument as bytes (None: not given). */
static int get_path(PyObject *o, PyObject **ret)
{
	*ret = NULL;
	if (!o || o == Py_None)
		return 0;
	return PyUnicode_FSConverter(o, ret) ? 0 : -1;
}

/* ---- Result lists: Findings and Diff ------------------------------------ */

/* A list with a .result: khoinspect.PASS, FAIL or INCOMPLETE. */
struct result_list {
	PyListObject list;
	int result;
};

static PyMemberDef result_list_members[] = {
	{ "result", T_INT, offsetof(struct result_list, result), READONLY,
	  "PASS (0): checked completely and it holds; FAIL (1): findings of "
	  "severity error, or different; INCOMPLETE (2): something could not be "
	  "checked" },
	{ NULL, 0, 0, 0, NULL },
};

static PyTypeObject FindingsType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "khoinspect.Findings",
	.tp_doc = PyDoc_STR("A list of Finding (id, severity, message, phys) with "
			    ".result, the outcome as khoinspect(1)'s exit status."),
	.tp_basicsize = sizeof(struct result_list),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_members = result_list_members,
};

static PyTypeObject DiffType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "khoinspect.Diff",
	.tp_doc = PyDoc_STR("A list of DiffLine (kind, start, end, order, blocks) with "
			    ".result: PASS same, FAIL different, INCOMPLETE when "
			    "something could not be compared."),
	.tp_basicsize = sizeof(struct result_list),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_members = result_list_members,
};

/* Sets slot i of a new struct sequence; steals v. Returns -1 when v is NULL. */
static int seq_set(PyObject *seq, Py_ssize_t i, PyObject *v)
{
	if (!v)
		return -1;
	PyStructSequence_SET_ITEM(seq, i, v);
	return 0;
}

static PyObject *finding_new(const struct khoinspect_finding *f)
{
	PyObject *o = PyStructSequence_New(FindingType);

	if (!o)
		return NULL;
	if (seq_set(o, 0, str_or_none(f->id)) < 0 ||
	    seq_set(o, 1, PyLong_FromLong((long)f->severity)) < 0 ||
	    seq_set(o, 2, str_or_none(f->message)) < 0 ||
	    seq_set(o, 3, u64_or_none(f->has_phys, f->phys)) < 0) {
		Py_DECREF(o);
		return NULL;
	}
	return o;
}

/* A Findings list of f, which is freed. */
static PyObject *findings_to_list(struct khoinspect_findings *f)
{
	PyObject *list = PyObject_CallNoArgs((PyObject *)&FindingsType);
	size_t i, n = khoinspect_findings_count(f);

	if (!list)
		goto out;
	((struct result_list *)list)->result = (int)khoinspect_findings_result(f);
	for (i = 0; i < n; i++) {
		PyObject *o = finding_new(khoinspect_findings_get(f, i));

		if (!o || PyList_Append(list, o) < 0) {
			Py_XDECREF(o);
			Py_CLEAR(list);
			break;
		}
		Py_DECREF(o);
	}
out:
	khoinspect_findings_free(f);
	return list;
}

/* ---- The hand-over ------------------------------------------------------ */

struct handover {
	PyObject_HEAD
	struct khoinspect_handover *h; /* NULL: closed (or not yet open) */
	PyObject *read;                /* the read callable, or NULL */
	PyObject *nodata;              /* exception types that mean NODATA, or NULL */
	/* an exception raised by a callback during the current call */
	PyObject *exc_type, *exc_value, *exc_tb;
	struct khoinspect_range *ranges;
	char *name;
	int busy;                      /* inside a library call */
};

static PyTypeObject HandoverType;

/* Keeps the first exception a callback raised; the library gets a failure
 * and the exception is raised when its call returns (end_call). */
static void stash_exception(struct handover *self)
{
	if (self->exc_type) {
		PyErr_Clear();
		return;
	}
	PyErr_Fetch(&self->exc_type, &self->exc_value, &self->exc_tb);
}

static enum khoinspect_read_result py_read(void *arg, uint64_t phys, void *buf,
					    size_t len)
{
	struct handover *self = arg;
	PyObject *r;
	Py_buffer view;
	char pa[24];
	enum khoinspect_read_result ret = KHOINSPECT_READ_FAILED;

	/* After an exception, fail fast: it is raised once the library returns. */
	if (!self->read || self->exc_type || len > PY_SSIZE_T_MAX)
		return KHOINSPECT_READ_FAILED;
	r = PyObject_CallFunction(self->read, "Kn", (unsigned long long)phys,
				  (Py_ssize_t)len);
	if (!r) {
		if (self->nodata && PyErr_ExceptionMatches(self->nodata)) {
			PyErr_Clear();
			return KHOINSPECT_READ_NODATA;
		}
		stash_exception(self);
		return KHOINSPECT_READ_FAILED;
	}
	if (r == Py_None) {
		Py_DECREF(r);
		return KHOINSPECT_READ_NODATA;
	}
	/* (PyErr_Format knows no 64-bit hex: the address is printed here) */
	snprintf(pa, sizeof(pa), "0x%" PRIx64, phys);
	if (PyObject_GetBuffer(r, &view, PyBUF_SIMPLE) < 0) {
		PyErr_Format(PyExc_TypeError,
			     "khoinspect: the read callback returned %.50s for %zu bytes at "
			     "paddr %s; return bytes (or None: not in the dump)",
			     Py_TYPE(r)->tp_name, len, pa);
		stash_exception(self);
		goto out;
	}
	if ((size_t)view.len < len) {
		ret = KHOINSPECT_READ_NODATA;
	} else if ((size_t)view.len > len) {
		PyErr_Format(PyExc_ValueError,
			     "khoinspect: the read callback returned %zd bytes for a read "
			     "of %zu at paddr %s", view.len, len, pa);
		stash_exception(self);
	} else {
		memcpy(buf, view.buf, len);
		ret = KHOINSPECT_READ_OK;
	}
	PyBuffer_Release(&view);
out:
	Py_DECREF(r);
	return ret;
}

/* Before a library call on self: open, and not already in one (a callback
 * cannot call back into its own hand-over). */
static int begin_call(struct handover *self)
{
	if (!self->h) {
		usage_error("khoinspect: the hand-over is closed");
		return -1;
	}
	if (self->busy) {
		usage_error("khoinspect: the hand-over is in use (by its own read callback, "
			    "or another thread while that runs)");
		return -1;
	}
	self->busy = 1;
	return 0;
}

/* After it: a callback's exception wins (the library's message added as a
 * note); else err is raised. Returns 0 when neither happened, else -1 with
 * the exception set and err freed. partial: see raise_error. */
static int end_call(struct handover *self, struct khoinspect_error *err, PyObject *partial)
{
	self->busy = 0;
	if (self->exc_type) {
		PyErr_Restore(self->exc_type, self->exc_value, self->exc_tb);
		self->exc_type = self->exc_value = self->exc_tb = NULL;
		if (err) {
			PyObject *t, *v, *tb, *r;

			PyErr_Fetch(&t, &v, &tb);
			PyErr_NormalizeException(&t, &v, &tb);
			r = v ? PyObject_CallMethod(v, "add_note", "s",
						    khoinspect_error_message(err)) : NULL;
			if (!r)
				PyErr_Clear(); /* the note is a courtesy */
			Py_XDECREF(r);
			PyErr_Restore(t, v, tb);
			khoinspect_error_free(err);
		}
		return -1;
	}
	if (err) {
		raise_error(err, partial);
		return -1;
	}
	return 0;
}

static void handover_close_c(struct handover *self)
{
	khoinspect_close(self->h);
	self->h = NULL;
}

static int handover_traverse(struct handover *self, visitproc visit, void *arg)
{
	Py_VISIT(self->read);
	Py_VISIT(self->nodata);
	Py_VISIT(self->exc_type);
	Py_VISIT(self->exc_value);
	Py_VISIT(self->exc_tb);
	return 0;
}

static int handover_clear(struct handover *self)
{
	if (!self->busy)
		handover_close_c(self);
	Py_CLEAR(self->read);
	Py_CLEAR(self->nodata);
	Py_CLEAR(self->exc_type);
	Py_CLEAR(self->exc_value);
	Py_CLEAR(self->exc_tb);
	return 0;
}

static void handover_dealloc(struct handover *self)
{
	PyObject_GC_UnTrack(self);
	handover_close_c(self);
	handover_clear(self);
	PyMem_Free(self->ranges);
	PyMem_Free(self->name);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static struct handover *handover_alloc(void)
{
	struct handover *self = PyObject_GC_New(struct handover, &HandoverType);

	if (!self)
		return NULL;
	self->h = NULL;
	self->read = self->nodata = NULL;
	self->exc_type = self->exc_value = self->exc_tb = NULL;
	self->ranges = NULL;
	self->name = NULL;
	self->busy = 0;
	PyObject_GC_Track(self);
	return self;
}

/* One (start, end) pair of ranges=. */
static int get_pair(PyObject *pair, Py_ssize_t i, struct khoinspect_range *ret)
{
	PyObject *seq, *start, *end;
	int r = -1;

	if (!PyTuple_Check(pair) && !PyList_Check(pair)) {
		PyErr_Format(PyExc_TypeError, "khoinspect: ranges[%zd] must be a (start, end) "
			     "pair, not %.50s", i, Py_TYPE(pair)->tp_name);
		return -1;
	}
	seq = PySequence_Fast(pair, "khoinspect: ranges: not a pair");
	if (!seq)
		return -1;
	if (PySequence_Fast_GET_SIZE(seq) != 2) {
		PyErr_Format(PyExc_TypeError, "khoinspect: ranges[%zd] must be a (start, end) "
			     "pair, not %zd items", i, PySequence_Fast_GET_SIZE(seq));
		goto out;
	}
	start = PySequence_Fast_GET_ITEM(seq, 0);
	end = PySequence_Fast_GET_ITEM(seq, 1);
	if (start == Py_None || end == Py_None) {
		PyErr_Format(PyExc_TypeError, "khoinspect: ranges[%zd]: start and end must "
			     "be ints", i);
		goto out;
	}
	if (get_u64(start, "ranges start", &ret->start) < 0 ||
	    get_u64(end, "ranges end", &ret->end) < 0)
		goto out;
	r = 0;
out:
	Py_DECREF(seq);
	return r;
}

/* The ranges= argument: an iterable of (start, end) pairs, kept in self
 * for as long as the hand-over (the library may keep the pointer). */
static int get_ranges(PyObject *o, struct handover *self, size_t *ret)
{
	PyObject *seq = PySequence_Fast(o, "khoinspect: ranges= must be an iterable of "
					   "(start, end) pairs");
	Py_ssize_t i, n;

	*ret = 0;
	if (!seq)
		return -1;
	n = PySequence_Fast_GET_SIZE(seq);
	self->ranges = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*self->ranges));
	if (!self->ranges) {
		Py_DECREF(seq);
		PyErr_NoMemory();
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (get_pair(PySequence_Fast_GET_ITEM(seq, i), i, &self->ranges[i]) < 0) {
			Py_DECREF(seq);
			return -1;
		}
	}
	Py_DECREF(seq);
	*ret = (size_t)n;
	return 0;
}

/* nodata=: what `except nodata:` accepts, an exception class or a tuple of them. */
static int check_nodata(PyObject *o)
{
	Py_ssize_t i;

	if (PyExceptionClass_Check(o))
		return 0;
	if (PyTuple_Check(o)) {
		for (i = 0; i < PyTuple_GET_SIZE(o); i++)
			if (!PyExceptionClass_Check(PyTuple_GET_ITEM(o, i)))
				break;
		if (i == PyTuple_GET_SIZE(o))
			return 0;
	}
	PyErr_Format(PyExc_TypeError, "khoinspect.open: nodata= must be an exception class "
		     "or a tuple of them, not %.50s", Py_TYPE(o)->tp_name);
	return -1;
}

PyDoc_STRVAR(open_doc,
"open(path=None, *, read=None, page_size=0, fdt_phys=None, base=None, format=None,\n"
"     mem=None, ranges=None, big_endian=False, name=None, nodata=None) -> Handover\n"
"\n"
"Opens a hand-over, from a path or from the caller's memory.\n"
"\n"
"open(path, ...): a dump (ELF vmcore, kdump-compressed, raw), a copy of\n"
"/sys/kernel/debug/kho, a bare KHO FDT, or \"live\". page_size (0: decided\n"
"from the dump), base (raw: physical address of byte 0), fdt_phys (skips the\n"
"scan), format (\"auto\", \"elf\", \"kdump\", \"raw\", \"debugfs\", \"fdt\"), mem (the\n"
"memory behind a debugfs copy or FDT).\n"
"\n"
"open(read=fn, page_size=N, fdt_phys=A | ranges=[(start, end), ...]): memory\n"
"read by fn(phys, size) -> bytes; None or fewer bytes mean not in the dump,\n"
"as do exceptions of the types in nodata (e.g. drgn.FaultError); any other\n"
"exception propagates. ranges: the RAM to scan for the KHO FDT. big_endian:\n"
"the hand-over's byte order. name: for messages (default \"reader\").\n"
"\n"
"Raises khoinspect.Error. A Handover is a context manager: with closes it.");

static PyObject *mod_open(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "path", "read", "page_size", "fdt_phys", "base",
				  "format", "mem", "ranges", "big_endian", "name",
				  "nodata", NULL };
	PyObject *path_o = Py_None, *read = Py_None, *page_size_o = Py_None;
	PyObject *fdt_phys_o = Py_None, *base_o = Py_None, *ranges_o = Py_None;
	PyObject *mem_o = Py_None, *nodata = Py_None;
	PyObject *path = NULL, *mem = NULL;
	const char *format = NULL, *name = NULL;
	int big_endian = 0, r;
	uint64_t page_size = 0, fdt_phys = 0, base = 0;
	bool fdt_phys_set, base_set;
	struct handover *self = NULL;
	struct khoinspect_error *err;

	(void)mod;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$OOOOzOOpzO:open", kwlist, &path_o,
					 &read, &page_size_o, &fdt_phys_o, &base_o,
					 &format, &mem_o, &ranges_o, &big_endian, &name,
					 &nodata))
		return NULL;
	if (get_u64(page_size_o, "page_size", &page_size) < 0 ||
	    (r = get_u64(fdt_phys_o, "fdt_phys", &fdt_phys)) < 0)
		return NULL;
	fdt_phys_set = r;
	if ((r = get_u64(base_o, "base", &base)) < 0)
		return NULL;
	base_set = r;

	if ((path_o == Py_None) == (read == Py_None))
		return usage_error("khoinspect.open: give a path or read=, one of them");
	self = handover_alloc();
	if (!self)
		return NULL;

	if (path_o != Py_None) {
		struct khoinspect_open_options o = { .size = sizeof(o) };

		if (ranges_o != Py_None || big_endian || name || nodata != Py_None) {
			usage_error("khoinspect.open: ranges=, big_endian=, name= and nodata= "
				    "go with read=, not with a path");
			goto fail;
		}
		if (get_path(path_o, &path) < 0 || get_path(mem_o, &mem) < 0)
			goto fail;
		o.format = format;
		o.page_size = page_size;
		o.base_set = base_set;
		o.base = base;
		o.fdt_phys_set = fdt_phys_set;
		o.fdt_phys = fdt_phys;
		o.mem = mem ? PyBytes_AS_STRING(mem) : NULL;
		self->busy = 1;
		err = khoinspect_open(PyBytes_AS_STRING(path), &o, &self->h);
	} else {
		struct khoinspect_reader rd = { .size = sizeof(rd) };

		if (format || base_set || mem_o != Py_None) {
			usage_error("khoinspect.open: format=, base= and mem= go with a path, "
				    "not with read=");
			goto fail;
		}
		if (!PyCallable_Check(read)) {
			PyErr_Format(PyExc_TypeError, "khoinspect.open: read= must be "
				     "callable as read(phys, size) -> bytes, not %.50s",
				     Py_TYPE(read)->tp_name);
			goto fail;
		}
		if (nodata != Py_None) {
			if (check_nodata(nodata) < 0)
				goto fail;
			Py_INCREF(nodata);
			self->nodata = nodata;
		}
		Py_INCREF(read);
		self->read = read;
		if (ranges_o != Py_None && get_ranges(ranges_o, self, &rd.nranges) < 0)
			goto fail;
		if (name && !(self->name = PyMem_Malloc(strlen(name) + 1))) {
			PyErr_NoMemory();
			goto fail;
		}
		if (name)
			strcpy(self->name, name);
		rd.read = py_read;
		rd.arg = self;
		rd.name = self->name;
		rd.page_size = page_size;
		rd.big_endian = big_endian;
		rd.fdt_phys_set = fdt_phys_set;
		rd.fdt_phys = fdt_phys;
		rd.ranges = ranges_o != Py_None ? self->ranges : NULL;
		self->busy = 1;
		err = khoinspect_open_reader(&rd, &self->h);
	}
	if (end_call(self, err, NULL) < 0) {
		handover_close_c(self);
		goto fail;
	}
	Py_XDECREF(path);
	Py_XDECREF(mem);
	return (PyObject *)self;
fail:
	Py_XDECREF(path);
	Py_XDECREF(mem);
	Py_DECREF(self);
	return NULL;
}

/* ---- Hand-over attributes ----------------------------------------------- */

/* Before reading an attribute: open, and not inside a library call (its
 * own callback, or another thread while that runs). */
static int check_open(struct handover *self)
{
	if (begin_call(self) < 0)
		return -1;
	self->busy = 0;
	return 0;
}

static PyObject *get_compatible(struct handover *self, void *c)
{
	(void)c;
	return check_open(self) ? NULL : str_or_none(khoinspect_compatible(self->h));
}

static PyObject *get_container(struct handover *self, void *c)
{
	(void)c;
	return check_open(self) ? NULL : str_or_none(khoinspect_container(self->h));
}

static PyObject *get_found_by(struct handover *self, void *c)
{
	(void)c;
	return check_open(self) ? NULL : str_or_none(khoinspect_found_by(self->h));
}

static PyObject *get_page_size(struct handover *self, void *c)
{
	(void)c;
	return check_open(self) ? NULL :
		PyLong_FromUnsignedLongLong(khoinspect_page_size(self->h));
}

static PyObject *get_fdt_phys(struct handover *self, void *c)
{
	uint64_t v = 0;
	bool have;

	(void)c;
	if (check_open(self))
		return NULL;
	have = khoinspect_fdt_phys(self->h, &v);
	return u64_or_none(have, v);
}

static PyObject *get_has_map(struct handover *self, void *c)
{
	(void)c;
	return check_open(self) ? NULL : PyBool_FromLong(khoinspect_has_map(self->h));
}

static PyObject *get_closed(struct handover *self, void *c)
{
	(void)c;
	return PyBool_FromLong(!self->h);
}

static PyObject *get_subnodes(struct handover *self, void *c)
{
	PyObject *list;
	size_t i, n;

	(void)c;
	if (check_open(self))
		return NULL;
	n = khoinspect_subnode_count(self->h);
	list = PyList_New((Py_ssize_t)n);
	for (i = 0; list && i < n; i++) {
		uint64_t phys = 0;
		bool have = khoinspect_subnode_phys(self->h, i, &phys);
		PyObject *o = PyStructSequence_New(SubnodeType);

		if (!o || seq_set(o, 0, str_or_none(khoinspect_subnode_name(self->h, i))) < 0 ||
		    seq_set(o, 1, u64_or_none(have, phys)) < 0) {
			Py_XDECREF(o);
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, o);
	}
	return list;
}

static PyGetSetDef handover_getset[] = {
	{ "compatible", (getter)get_compatible, NULL,
	  "The root compatible, e.g. \"kho-v4\".", NULL },
	{ "container", (getter)get_container, NULL,
	  "What was read: \"elf\", \"kdump\", \"raw\", \"debugfs\", \"fdt\" or \"reader\".", NULL },
	{ "page_size", (getter)get_page_size, NULL, "The page size in bytes.", NULL },
	{ "fdt_phys", (getter)get_fdt_phys, NULL,
	  "The KHO FDT's physical address, or None when unknown.", NULL },
	{ "found_by", (getter)get_found_by, NULL,
	  "How the FDT was found, e.g. \"scan (...)\" or \"--fdt-phys\".", NULL },
	{ "subnodes", (getter)get_subnodes, NULL,
	  "The root FDT's children: a list of Subnode(name, phys); phys is None "
	  "for a child without a blob address.", NULL },
	{ "has_map", (getter)get_has_map, NULL,
	  "Whether the preserved-memory map could be decoded (memory behind the FDT).", NULL },
	{ "closed", (getter)get_closed, NULL, "Whether close() was called.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* ---- Hand-over methods --------------------------------------------------- */

struct ranges_ctx {
	struct handover *self;
	PyObject *list;
};

/* A Range of r appended to the list; on failure the exception is stashed
 * and the walk stopped. */
static int py_range(void *arg, const struct khoinspect_block_range *r)
{
	struct ranges_ctx *ctx = arg;
	PyObject *o = PyStructSequence_New(RangeType);

	if (!o || seq_set(o, 0, PyLong_FromUnsignedLongLong(r->start)) < 0 ||
	    seq_set(o, 1, PyLong_FromUnsignedLongLong(r->end)) < 0 ||
	    seq_set(o, 2, PyLong_FromUnsignedLong(r->order)) < 0 ||
	    seq_set(o, 3, PyLong_FromUnsignedLongLong(r->blocks)) < 0 ||
	    seq_set(o, 4, str_or_none(r->owner)) < 0 || PyList_Append(ctx->list, o) < 0) {
		Py_XDECREF(o);
		stash_exception(ctx->self);
		return 1;
	}
	Py_DECREF(o);
	return 0;
}

PyDoc_STRVAR(ranges_doc,
"ranges(order=None, owners=False) -> list of Range\n"
"\n"
"The preserved ranges, in order of (order, start): Range(start, end, order,\n"
"blocks, owner), end exclusive; runs of adjacent blocks of one order (and\n"
"one owner with owners=True; owner is None without). order: only that one.\n"
"A map with errors raises khoinspect.Error (code ERR_INCOMPLETE) whose\n"
".partial holds the ranges that could be read.");

static PyObject *handover_ranges(struct handover *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "order", "owners", NULL };
	PyObject *order_o = Py_None;
	int owners = 0, order;
	struct ranges_ctx ctx = { self, NULL };
	struct khoinspect_error *err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|Op:ranges", kwlist, &order_o, &owners))
		return NULL;
	if (get_order(order_o, &order) < 0 || begin_call(self) < 0)
		return NULL;
	ctx.list = PyList_New(0);
	if (!ctx.list) {
		self->busy = 0;
		return NULL;
	}
	err = khoinspect_ranges(self->h, order, owners ? KHOINSPECT_RANGES_OWNERS : 0,
				py_range, &ctx, NULL);
	if (end_call(self, err, ctx.list) < 0)
		Py_CLEAR(ctx.list);
	return ctx.list;
}

PyDoc_STRVAR(blocks_doc,
"blocks(order=None) -> int\n"
"\n"
"The number of preserved blocks of one order (0..63), or of all.");

static PyObject *handover_blocks(struct handover *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "order", NULL };
	PyObject *order_o = Py_None;
	int order;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:blocks", kwlist, &order_o))
		return NULL;
	if (get_order(order_o, &order) < 0 || check_open(self))
		return NULL;
	return PyLong_FromUnsignedLongLong(khoinspect_blocks(self->h, order));
}

/* Findings out of a library call that makes them (partial findings of an
 * error go with it as .partial). */
static PyObject *findings_result(struct handover *self, struct khoinspect_error *err,
				 struct khoinspect_findings *f)
{
	PyObject *list = f ? findings_to_list(f) : NULL;

	if (f && !list) {
		self->busy = 0;
		khoinspect_error_free(err);
		return NULL;
	}
	if (end_call(self, err, list) < 0)
		Py_CLEAR(list);
	else if (!list)
		return usage_error("khoinspect: the library returned no findings");
	return list;
}

PyDoc_STRVAR(verify_doc,
"verify(fdt_only=False) -> Findings\n"
"\n"
"Checks the hand-over's invariants (the map, the blocks, the sub-formats;\n"
"opening's findings included): a list of Finding(id, severity, message,\n"
"phys) with .result (PASS, FAIL or INCOMPLETE). fdt_only: check the FDT\n"
"alone (no memory, e.g. a debugfs copy).");

static PyObject *handover_verify(struct handover *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "fdt_only", NULL };
	int fdt_only = 0;
	struct khoinspect_findings *f = NULL;
	struct khoinspect_error *err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$p:verify", kwlist, &fdt_only) ||
	    begin_call(self) < 0)
		return NULL;
	err = khoinspect_verify(self->h, fdt_only ? KHOINSPECT_VERIFY_FDT_ONLY : 0, &f);
	return findings_result(self, err, f);
}

PyDoc_STRVAR(open_findings_doc,
"open_findings() -> Findings\n"
"\n"
"What opening and decoding found (warnings such as an incomplete dump).");

static PyObject *handover_open_findings(struct handover *self, PyObject *noargs)
{
	struct khoinspect_findings *f = NULL;
	struct khoinspect_error *err;

	(void)noargs;
	if (begin_call(self) < 0)
		return NULL;
	err = khoinspect_open_findings(self->h, &f);
	return findings_result(self, err, f);
}

PyDoc_STRVAR(verify_against_doc,
"verify_against(manifest, present_only=False) -> Findings\n"
"\n"
"khoinspect verify --against: the FDT, every sub-blob and every preserved\n"
"range of the manifest (written by snapshot()) still hold the bytes it\n"
"recorded. present_only: ranges absent here are not trouble.");

static PyObject *handover_verify_against(struct handover *self, PyObject *args,
					 PyObject *kw)
{
	static char *kwlist[] = { "manifest", "present_only", NULL };
	PyObject *path_o, *path = NULL, *ret;
	int present_only = 0;
	struct khoinspect_findings *f = NULL;
	struct khoinspect_error *err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$p:verify_against", kwlist, &path_o,
					 &present_only))
		return NULL;
	if (get_path(path_o, &path) < 0)
		return NULL;
	if (!path) {
		PyErr_SetString(PyExc_TypeError, "khoinspect: verify_against: manifest "
				"must be a path");
		return NULL;
	}
	if (begin_call(self) < 0) {
		Py_DECREF(path);
		return NULL;
	}
	err = khoinspect_verify_against(self->h, PyBytes_AS_STRING(path),
					present_only ? KHOINSPECT_AGAINST_PRESENT_ONLY : 0, &f);
	ret = findings_result(self, err, f);
	Py_DECREF(path);
	return ret;
}

PyDoc_STRVAR(snapshot_doc,
"snapshot(path) -> None\n"
"\n"
"Writes a manifest of the hand-over (khoinspect-manifest JSON: compatible,\n"
"FDT and blobs, every range with a content hash) to path, atomically. A\n"
"dump that lacks some of the ranges still gets its manifest written (it\n"
"lists what it lacks) and then khoinspect.Error (code ERR_INCOMPLETE) is\n"
"raised.");

static PyObject *handover_snapshot(struct handover *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "path", NULL };
	PyObject *path_o, *path = NULL;
	struct khoinspect_error *err;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O:snapshot", kwlist, &path_o))
		return NULL;
	if (get_path(path_o, &path) < 0)
		return NULL;
	if (!path) {
		PyErr_SetString(PyExc_TypeError, "khoinspect: snapshot: path must be a path");
		return NULL;
	}
	if (begin_call(self) < 0) {
		Py_DECREF(path);
		return NULL;
	}
	err = khoinspect_snapshot(self->h, PyBytes_AS_STRING(path), 0);
	r = end_call(self, err, NULL);
	Py_DECREF(path);
	if (r < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *handover_close(struct handover *self, PyObject *noargs)
{
	(void)noargs;
	if (self->busy)
		return usage_error("khoinspect: cannot close a hand-over from its own read "
				   "callback");
	handover_close_c(self);
	Py_RETURN_NONE;
}

static PyObject *handover_enter(struct handover *self, PyObject *noargs)
{
	(void)noargs;
	if (check_open(self))
		return NULL;
	Py_INCREF(self);
	return (PyObject *)self;
}

static PyObject *handover_exit(struct handover *self, PyObject *args)
{
	(void)args;
	return handover_close(self, NULL);
}

static PyObject *handover_repr(struct handover *self)
{
	char buf[256];
	uint64_t fdt = 0;
	const char *compat, *container;

	if (!self->h)
		return PyUnicode_FromString("<khoinspect.Handover (closed)>");
	compat = khoinspect_compatible(self->h);
	container = khoinspect_container(self->h);
	if (khoinspect_fdt_phys(self->h, &fdt))
		snprintf(buf, sizeof(buf), "<khoinspect.Handover %.80s from %.20s, fdt 0x%" PRIx64
			 ", page size %" PRIu64 ">", compat ? compat : "?",
			 container ? container : "?", fdt, khoinspect_page_size(self->h));
	else
		snprintf(buf, sizeof(buf), "<khoinspect.Handover %.80s from %.20s>",
			 compat ? compat : "?", container ? container : "?");
	return str_or_none(buf);
}

static PyMethodDef handover_methods[] = {
	{ "ranges", (PyCFunction)(void (*)(void))handover_ranges, METH_VARARGS | METH_KEYWORDS,
	  ranges_doc },
	{ "blocks", (PyCFunction)(void (*)(void))handover_blocks, METH_VARARGS | METH_KEYWORDS,
	  blocks_doc },
	{ "verify", (PyCFunction)(void (*)(void))handover_verify, METH_VARARGS | METH_KEYWORDS,
	  verify_doc },
	{ "open_findings", (PyCFunction)handover_open_findings, METH_NOARGS, open_findings_doc },
	{ "verify_against", (PyCFunction)(void (*)(void))handover_verify_against,
	  METH_VARARGS | METH_KEYWORDS, verify_against_doc },
	{ "snapshot", (PyCFunction)(void (*)(void))handover_snapshot,
	  METH_VARARGS | METH_KEYWORDS, snapshot_doc },
	{ "close", (PyCFunction)handover_close, METH_NOARGS,
	  "close() -> None\n\nFrees the hand-over; using it afterwards raises "
	  "khoinspect.Error. Closing twice is fine." },
	{ "__enter__", (PyCFunction)handover_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)handover_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject HandoverType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "khoinspect.Handover",
	.tp_doc = PyDoc_STR("A KHO hand-over opened by khoinspect.open()."),
	.tp_basicsize = sizeof(struct handover),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_dealloc = (destructor)handover_dealloc,
	.tp_traverse = (traverseproc)handover_traverse,
	.tp_clear = (inquiry)handover_clear,
	.tp_repr = (reprfunc)handover_repr,
	.tp_methods = handover_methods,
	.tp_getset = handover_getset,
};

/* ---- diff ---------------------------------------------------------------- */

struct diff_ctx {
	PyObject *list;
	struct handover *a, *b; /* NULL for paths */
	PyObject *t, *v, *tb;   /* a failure of py_diff_line */
};

static int py_diff_line(void *arg, const struct khoinspect_diff_line *l)
{
	struct diff_ctx *ctx = arg;
	PyObject *o = PyStructSequence_New(DiffLineType);
	char kind = (char)l->kind;

	if (!o || seq_set(o, 0, PyUnicode_FromStringAndSize(&kind, 1)) < 0 ||
	    seq_set(o, 1, PyLong_FromUnsignedLongLong(l->start)) < 0 ||
	    seq_set(o, 2, PyLong_FromUnsignedLongLong(l->end)) < 0 ||
	    seq_set(o, 3, PyLong_FromUnsignedLong(l->order)) < 0 ||
	    seq_set(o, 4, PyLong_FromUnsignedLongLong(l->blocks)) < 0 ||
	    PyList_Append(ctx->list, o) < 0) {
		Py_XDECREF(o);
		if (ctx->a)
			stash_exception(ctx->a);
		else if (!ctx->t)
			PyErr_Fetch(&ctx->t, &ctx->v, &ctx->tb);
		else
			PyErr_Clear();
		return 1;
	}
	Py_DECREF(o);
	return 0;
}

PyDoc_STRVAR(diff_doc,
"diff(a, b, *, hash=True, present_only=False, page_size=0, fdt_phys=None,\n"
"     base=None, format=None, mem=None) -> Diff\n"
"\n"
"Compares two hand-overs: two paths (dumps, debugfs copies, manifests; the\n"
"options apply to both) or two open Handover objects. A list of\n"
"DiffLine(kind, start, end, order, blocks): kind \"-\" preserved in a only,\n"
"\"+\" in b only, \"!\" in both with other contents; .result PASS (same),\n"
"FAIL (different) or INCOMPLETE (something could not be compared).\n"
"hash=False compares the maps only; present_only: ranges one side lacks\n"
"are not trouble.");

static PyObject *mod_diff(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "a", "b", "hash", "present_only", "page_size",
				  "fdt_phys", "base", "format", "mem", NULL };
	PyObject *a_o, *b_o, *page_size_o = Py_None, *fdt_phys_o = Py_None;
	PyObject *base_o = Py_None, *mem_o = Py_None;
	PyObject *a = NULL, *b = NULL, *mem = NULL;
	int hash = 1, present_only = 0, r;
	const char *format = NULL;
	unsigned int flags = 0;
	enum khoinspect_result result = KHOINSPECT_INCOMPLETE;
	struct diff_ctx ctx = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct khoinspect_open_options o = { .size = sizeof(o) };
	struct khoinspect_error *err;
	bool handles;

	(void)mod;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$ppOOOzO:diff", kwlist, &a_o, &b_o,
					 &hash, &present_only, &page_size_o, &fdt_phys_o,
					 &base_o, &format, &mem_o))
		return NULL;
	flags = (hash ? 0 : KHOINSPECT_DIFF_NO_HASH) |
		(present_only ? KHOINSPECT_DIFF_PRESENT_ONLY : 0);
	handles = PyObject_TypeCheck(a_o, &HandoverType);
	if (handles != (bool)PyObject_TypeCheck(b_o, &HandoverType))
		return usage_error("khoinspect.diff: give two paths or two hand-overs");
	if (handles) {
		if (page_size_o != Py_None || fdt_phys_o != Py_None || base_o != Py_None ||
		    format || mem_o != Py_None)
			return usage_error("khoinspect.diff: open options go with paths; "
					   "these hand-overs are open already");
		ctx.a = (struct handover *)a_o;
		ctx.b = (struct handover *)b_o;
		if (begin_call(ctx.a) < 0)
			return NULL;
		if (ctx.b != ctx.a && begin_call(ctx.b) < 0) {
			ctx.a->busy = 0;
			return NULL;
		}
	} else {
		if (get_u64(page_size_o, "page_size", &o.page_size) < 0 ||
		    (r = get_u64(fdt_phys_o, "fdt_phys", &o.fdt_phys)) < 0)
			return NULL;
		o.fdt_phys_set = r;
		if ((r = get_u64(base_o, "base", &o.base)) < 0)
			return NULL;
		o.base_set = r;
		o.format = format;
		if (get_path(a_o, &a) < 0 || get_path(b_o, &b) < 0 || get_path(mem_o, &mem) < 0)
			goto out;
		if (!a || !b) {
			usage_error("khoinspect.diff: give two paths or two hand-overs");
			goto out;
		}
		o.mem = mem ? PyBytes_AS_STRING(mem) : NULL;
	}
	ctx.list = PyObject_CallNoArgs((PyObject *)&DiffType);
	if (!ctx.list) {
		if (handles)
			ctx.a->busy = ctx.b->busy = 0;
		goto out;
	}
	if (handles) {
		err = khoinspect_diff_handovers(ctx.a->h, ctx.b->h, flags, py_diff_line, &ctx,
						&result);
		/* b's callback exception moves to a, so end_call raises it */
		if (ctx.b != ctx.a && ctx.b->exc_type && !ctx.a->exc_type) {
			ctx.a->exc_type = ctx.b->exc_type;
			ctx.a->exc_value = ctx.b->exc_value;
			ctx.a->exc_tb = ctx.b->exc_tb;
			ctx.b->exc_type = ctx.b->exc_value = ctx.b->exc_tb = NULL;
		}
		if (ctx.b != ctx.a)
			end_call(ctx.b, NULL, NULL); /* clears b's busy, b's exception is moved */
		r = end_call(ctx.a, err, ctx.list);
	} else {
		err = khoinspect_diff(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), &o, flags,
				      py_diff_line, &ctx, &result);
		if (ctx.t) {
			khoinspect_error_free(err);
			PyErr_Restore(ctx.t, ctx.v, ctx.tb);
			r = -1;
		} else {
			r = err ? (raise_error(err, ctx.list), -1) : 0;
		}
	}
	if (r < 0)
		Py_CLEAR(ctx.list);
	else
		((struct result_list *)ctx.list)->result = (int)result;
out:
	Py_XDECREF(a);
	Py_XDECREF(b);
	Py_XDECREF(mem);
	return ctx.list;
}

/* ---- The module ----------------------------------------------------------- */

static PyStructSequence_Field range_fields[] = {
	{ "start", "first byte (physical address)" },
	{ "end", "the byte after the last (exclusive)" },
	{ "order", "block order: blocks of page_size << order bytes" },
	{ "blocks", "how many adjacent blocks" },
	{ "owner", "who preserved them (ranges(owners=True)), else None" },
	{ NULL, NULL },
};
static PyStructSequence_Desc range_desc = {
	"khoinspect.Range", "Adjacent preserved blocks of one order.", range_fields, 5,
};

static PyStructSequence_Field finding_fields[] = {
	{ "id", "stable id, e.g. \"block-overlap\"" },
	{ "severity", "INFO (0), WARNING (1) or ERROR (2)" },
	{ "message", "what was found, in one line" },
	{ "phys", "the physical address it is about, or None" },
	{ NULL, NULL },
};
static PyStructSequence_Desc finding_desc = {
	"khoinspect.Finding", "A finding of verify() or of opening.", finding_fields, 4,
};

static PyStructSequence_Field subnode_fields[] = {
	{ "name", "the child's node name, e.g. \"memblock\"" },
	{ "phys", "its blob's or sub-FDT's physical address, or None" },
	{ NULL, NULL },
};
static PyStructSequence_Desc subnode_desc = {
	"khoinspect.Subnode", "A child of the KHO root FDT.", subnode_fields, 2,
};

static PyStructSequence_Field diff_line_fields[] = {
	{ "kind", "\"-\" preserved in a only, \"+\" in b only, \"!\" contents differ" },
	{ "start", "first byte" },
	{ "end", "the byte after the last (exclusive)" },
	{ "order", "block order" },
	{ "blocks", "how many blocks" },
	{ NULL, NULL },
};
static PyStructSequence_Desc diff_line_desc = {
	"khoinspect.DiffLine", "A difference found by diff().", diff_line_fields, 5,
};

static PyMethodDef module_methods[] = {
	{ "open", (PyCFunction)(void (*)(void))mod_open, METH_VARARGS | METH_KEYWORDS, open_doc },
	{ "diff", (PyCFunction)(void (*)(void))mod_diff, METH_VARARGS | METH_KEYWORDS, diff_doc },
	{ NULL, NULL, 0, NULL },
};

PyDoc_STRVAR(module_doc,
"Kexec HandOver (KHO) state in a memory dump, a debugfs copy or any memory\n"
"a Python function can read: libkhoinspect's decoder.\n"
"\n"
"    h = khoinspect.open(\"vmcore\")\n"
"    h = khoinspect.open(read=fn, page_size=4096, fdt_phys=0x100141000)\n"
"    for r in h.ranges(): r.start, r.end, r.order, r.blocks, r.owner\n"
"    for f in h.verify(): f.id, f.severity, f.message, f.phys\n"
"\n"
"Errors raise khoinspect.Error (.code: one of the ERR_* constants, .message,\n"
".errno, .phys). See README.md \"Python\" and libkhoinspect(3).");

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "khoinspect",
	.m_doc = module_doc,
	.m_size = -1,
	.m_methods = module_methods,
};

static int add_type(PyObject *m, const char *name, PyTypeObject *t)
{
	Py_INCREF(t);
	if (PyModule_AddObject(m, name, (PyObject *)t) < 0) {
		Py_DECREF(t);
		return -1;
	}
	return 0;
}

PyMODINIT_FUNC PyInit_khoinspect(void)
{
	static const struct { const char *name; long v; } consts[] = {
		{ "ERR_OS", KHOINSPECT_ERR_OS },
		{ "ERR_FORMAT", KHOINSPECT_ERR_FORMAT },
		{ "ERR_TRUNCATED", KHOINSPECT_ERR_TRUNCATED },
		{ "ERR_NODATA", KHOINSPECT_ERR_NODATA },
		{ "ERR_CORRUPT", KHOINSPECT_ERR_CORRUPT },
		{ "ERR_UNSUPPORTED", KHOINSPECT_ERR_UNSUPPORTED },
		{ "ERR_USAGE", KHOINSPECT_ERR_USAGE },
		{ "ERR_NOMEM", KHOINSPECT_ERR_NOMEM },
		{ "ERR_INCOMPLETE", KHOINSPECT_ERR_INCOMPLETE },
		{ "INFO", KHOINSPECT_INFO },
		{ "WARNING", KHOINSPECT_WARNING },
		{ "ERROR", KHOINSPECT_ERROR },
		{ "PASS", KHOINSPECT_PASS },
		{ "FAIL", KHOINSPECT_FAIL },
		{ "INCOMPLETE", KHOINSPECT_INCOMPLETE },
		{ "API_VERSION", KHOINSPECT_API_VERSION },
	};
	PyObject *m;
	size_t i;

	FindingsType.tp_base = &PyList_Type;
	DiffType.tp_base = &PyList_Type;
	if (PyType_Ready(&FindingsType) < 0 || PyType_Ready(&DiffType) < 0 ||
	    PyType_Ready(&HandoverType) < 0)
		return NULL;
	if (!RangeType && !(RangeType = PyStructSequence_NewType(&range_desc)))
		return NULL;
	if (!FindingType && !(FindingType = PyStructSequence_NewType(&finding_desc)))
		return NULL;
	if (!SubnodeType && !(SubnodeType = PyStructSequence_NewType(&subnode_desc)))
		return NULL;
	if (!DiffLineType && !(DiffLineType = PyStructSequence_NewType(&diff_line_desc)))
		return NULL;
	m = PyModule_Create(&module_def);
	if (!m)
		return NULL;
	if (!Error) {
		PyObject *dict = Py_BuildValue("{s:O,s:O,s:i,s:O,s:O}", "code", Py_None,
					       "message", Py_None, "errno", 0,
					       "phys", Py_None, "partial", Py_None);

		if (!dict)
			goto fail;
		Error = PyErr_NewExceptionWithDoc(
			"khoinspect.Error",
			"An error of libkhoinspect: str() is its one-line message; .code is\n"
			"one of the ERR_* constants, .errno the errno of ERR_OS (else 0),\n"
			".phys the physical address it names (or None), .partial what an\n"
			"incomplete operation (ERR_INCOMPLETE) handed out (or None).",
			NULL, dict);
		Py_DECREF(dict);
		if (!Error)
			goto fail;
	}
	Py_INCREF(Error);
	if (PyModule_AddObject(m, "Error", Error) < 0) {
		Py_DECREF(Error);
		goto fail;
	}
	if (add_type(m, "Handover", &HandoverType) < 0 ||
	    add_type(m, "Findings", &FindingsType) < 0 || add_type(m, "Diff", &DiffType) < 0 ||
	    add_type(m, "Range", RangeType) < 0 || add_type(m, "Finding", FindingType) < 0 ||
	    add_type(m, "Subnode", SubnodeType) < 0 || add_type(m, "DiffLine", DiffLineType) < 0)
		goto fail;
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (PyModule_AddIntConstant(m, consts[i].name, consts[i].v) < 0)
			goto fail;
	if (PyModule_AddStringConstant(m, "__version__", khoinspect_version()) < 0)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
