/*
** cron.c: carrel-cron, the scheduled jobs (reminders, notices, the monthly
** report). The jobs arrive with the notifications issue; until then the
** program only explains itself and says that no job exists yet.
*/
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: carrel-cron run\n"
	      "\n"
	      "Runs the scheduled jobs once: due-date and membership reminders,\n"
	      "overdue notices, hold-ready notices and the monthly report.\n"
	      "No job is available in this version yet; 'run' does nothing.\n", out);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "run")) {
		fputs("carrel-cron: no scheduled jobs in this version\n", stderr);
		return 0;
	}
	usage(argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		? stdout : stderr);
	return argc == 2 ? 0 : 2;
}
