/*
** svgchart.h: a bar chart drawn as SVG markup on the server, for a page
** (inline <svg>) or an email. No script, no style attribute: the bars and
** axes carry classes (chart-bar, chart-axis, chart-label) that a page's
** stylesheet colours, and presentation attributes (fill, stroke) that an
** email client, with no stylesheet, shows instead.
**
** One <rect> per bar, each a direct child of the <svg> with its own
** <title> (the tooltip, read by screen readers); the <svg> has role="img"
** and is labelled by its <title> and <desc>. Every text is XML-escaped, so
** the result is well-formed XML whatever the labels hold.
*/
#ifndef CARREL_SVGCHART_H
#define CARREL_SVGCHART_H

#include "arena.h"

struct svg_bar {
	const char *tip;          /* the bar's <title>, e.g. "3 November: 1 loan" */
	double value;             /* >= 0 */
};

struct svg_chart {
	const char *id;           /* prefix of the title and desc ids ("chart") */
	const char *title;        /* what the chart shows */
	const char *desc;         /* a sentence for screen readers */
	const struct svg_bar *bars;
	int nbars;
	const char *first_label;  /* under the first bar (x axis); may be NULL */
	const char *last_label;   /* under the last bar; may be NULL */
	const char *value_label;  /* beside the top of the y axis, e.g. "12 loans";
	                             may be NULL */
	int width, height;        /* 0: 620 x 200 */
};

/* The chart as SVG markup on the arena. */
const char *svgchart_bars(struct arena *a, const struct svg_chart *c);

/* s with & < > " ' written as XML entities (arena string). */
const char *svgchart_escape(struct arena *a, const char *s);

#endif
