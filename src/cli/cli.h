/* cli: the `phiscribe` subcommands. Each takes argv after the command name
 * (argv[0] is the command name) and returns a process exit code. */
#ifndef PHS_CLI_H
#define PHS_CLI_H

/* Exit codes shared by every command. */
enum cli_exit {
    CLI_OK = 0,
    CLI_FAIL = 1,      /* the operation failed (I/O, engine, database, check failed) */
    CLI_USAGE = 2,     /* bad command line */
    CLI_BADINPUT = 3,  /* the input given is unusable (not audio, empty, over a limit) */
};

/* Declarations, one per command, sorted by name. */
int cli_audit(int argc, char **argv);
int cli_certificates(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_jobs(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_lm(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_purge(int argc, char **argv);
int cli_redact(int argc, char **argv);
int cli_profiles(int argc, char **argv);
int cli_voices(int argc, char **argv);
int cli_tenants(int argc, char **argv);
int cli_doctor(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_transcribe(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);

#endif
