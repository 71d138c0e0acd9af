/*
** svgchart.c: the server-drawn bar chart (see svgchart.h).
*/
#include "svgchart.h"

#include <string.h>

#define DEFAULT_W 620
#define DEFAULT_H 200
#define AXIS_ROOM 20      /* under the bars: the x axis labels */
#define TOP_ROOM 16       /* above the bars: the y axis label */

const char *svgchart_escape(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': buf_puts(&b, "&amp;"); break;
		case '<': buf_puts(&b, "&lt;"); break;
		case '>': buf_puts(&b, "&gt;"); break;
		case '"': buf_puts(&b, "&quot;"); break;
		case '\'': buf_puts(&b, "&#39;"); break;
		default: buf_putc(&b, *p);
		}
	}
	const char *out = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

const char *svgchart_bars(struct arena *a, const struct svg_chart *c)
{
	int w = c->width > 0 ? c->width : DEFAULT_W;
	int h = c->height > 0 ? c->height : DEFAULT_H;
	int base = h - AXIS_ROOM;                 /* the x axis */
	double most = 0;
	for (int i = 0; i < c->nbars; i++)
		if (c->bars[i].value > most)
			most = c->bars[i].value;
	if (most <= 0)
		most = 1;
	const char *id = c->id ? c->id : "chart";
	struct buf out = BUF_INIT;
	buf_printf(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" class=\"chart\" role=\"img\" "
		"aria-labelledby=\"%s-title %s-desc\">"
		"<title id=\"%s-title\">%s</title><desc id=\"%s-desc\">%s</desc>",
		w, h, w, h, id, id, id, svgchart_escape(a, c->title), id,
		svgchart_escape(a, c->desc));
	double slot = c->nbars > 0 ? (double)w / c->nbars : (double)w;
	double gap = slot > 4 ? 2 : 0;
	for (int i = 0; i < c->nbars; i++) {
		double bh = (double)(base - TOP_ROOM) * c->bars[i].value / most;
		buf_printf(&out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"class=\"chart-bar\" fill=\"#1f5f8b\"><title>%s</title></rect>",
			i * slot + gap / 2, (double)base - bh, slot - gap, bh,
			svgchart_escape(a, c->bars[i].tip));
	}
	buf_printf(&out, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"chart-axis\" "
		"stroke=\"#767f86\"/>", base, w, base);
	buf_printf(&out, "<line x1=\"0\" y1=\"%d\" x2=\"0\" y2=\"%d\" class=\"chart-axis\" "
		"stroke=\"#767f86\"/>", TOP_ROOM, base);
	if (c->value_label)
		buf_printf(&out, "<text x=\"4\" y=\"%d\" font-size=\"12\" class=\"chart-label\">%s</text>",
			TOP_ROOM - 4, svgchart_escape(a, c->value_label));
	if (c->first_label)
		buf_printf(&out, "<text x=\"0\" y=\"%d\" font-size=\"12\" class=\"chart-label\">%s</text>",
			h - 4, svgchart_escape(a, c->first_label));
	if (c->last_label)
		buf_printf(&out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" "
			"class=\"chart-label\">%s</text>", w, h - 4, svgchart_escape(a, c->last_label));
	buf_puts(&out, "</svg>");
	const char *svg = arena_strndup(a, out.data, out.len);
	buf_free(&out);
	return svg;
}
