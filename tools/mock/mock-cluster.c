/*
 * mock-cluster: librdkafka's mock Kafka cluster as a standalone process, steered by tests over
 * a line protocol on a local TCP port.
 *
 * Built on first use by tools/broker/mock.mjs:
 *   gcc -O2 -Wall -o tools/mock/mock-cluster tools/mock/mock-cluster.c -lrdkafka
 *
 * Usage: mock-cluster [--brokers N] [--control-port P] [--state DIR] [--exit-on-stdin-eof]
 *   --state only marks the process as ours (tools/broker checks it on the command line).
 *   --exit-on-stdin-eof ties the process to its parent: a test worker that dies without
 *   cleaning up closes our stdin pipe, and we exit instead of lingering.
 * On start it prints one line to stdout and then only logs (to stderr):
 *   READY bootstrap=127.0.0.1:p1,127.0.0.1:p2 control=PORT brokers=N
 *
 * Control protocol: one command per line, words separated by spaces; every command gets exactly
 * one reply line, "OK" (optionally followed by a value) or "ERR <message>". Error codes are Kafka
 * error codes (numbers, e.g. 6 = NOT_LEADER_OR_FOLLOWER) or librdkafka names
 * (NOT_LEADER_FOR_PARTITION, _TRANSPORT, ...). -195 (_TRANSPORT) makes the mock broker close the
 * client's connection instead of answering.
 *
 *   PING                                       -> OK
 *   BOOTSTRAP                                  -> OK <bootstrap servers>
 *   CREATE_TOPIC <topic> <partitions> <rf>     rd_kafka_mock_topic_create
 *   PUSH_ERRORS <apiKey> <err> [<err>...]      next requests of apiKey (any broker) fail in order
 *   FAIL <apiKey> <count> <err>                same, <count> times the same error
 *   BROKER_PUSH_ERRORS <broker> <apiKey> <err>:<rttMs> [...]   per broker, with response delay
 *   CLEAR_ERRORS <apiKey>                      drop the cluster-level error stack of apiKey
 *   ERROR_COUNT <broker> <apiKey>              -> OK <errors left on that broker's stack>
 *   TOPIC_ERROR <topic> <err>                  error returned for the topic in Metadata
 *   BROKER_DOWN <broker|-1>                    close its connections and refuse new ones
 *   BROKER_UP <broker|-1>                      accept connections again
 *   DISCONNECT <broker|-1>                     close current connections, stay up (down + up)
 *   RTT <broker|-1> <ms>                       delay every response of the broker
 *   RACK <broker|-1> <rack>
 *   LEADER <topic> <partition> <broker|-1>     move the partition leader (-1: leaderless)
 *   FOLLOWER <topic> <partition> <broker>      preferred follower (fetch-from-follower)
 *   COORDINATOR <transaction|group> <key> <broker>
 *   APIVERSION <apiKey> <min> <max>            narrow (or with -1 -1 disable) an API's versions
 *   SHUTDOWN                                   -> OK, then the process exits
 */

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_LINE 4096
#define MAX_WORDS 64

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

typedef struct {
        int fd;
        size_t len;
        char buf[MAX_LINE];
} client_t;

static rd_kafka_mock_cluster_t *mcluster;

/* Parse an int; returns 0 on success. */
static int parse_int(const char *s, long *out) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || *end) return -1;
        *out = v;
        return 0;
}

/* An error code as a number or a librdkafka name ("NOT_LEADER_FOR_PARTITION", "_TRANSPORT",
 * with or without the RD_KAFKA_RESP_ERR_ prefix). Returns 0 on success. */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        long v;
        if (!parse_int(s, &v)) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18)) s += 18;
        const struct rd_kafka_err_desc *descs;
        size_t cnt;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (size_t i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static void reply(int fd, const char *fmt, ...) {
        char line[MAX_LINE];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (n > (int)sizeof(line) - 2) n = sizeof(line) - 2;
        line[n++] = '\n';
        /* Replies are tiny; a blocking send on a local socket completes at once. */
        ssize_t off = 0;
        while (off < n) {
                ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);
                if (w <= 0) return;
                off += w;
        }
}

/* Reply OK or ERR for a librdkafka result. */
static void reply_err(int fd, rd_kafka_resp_err_t err) {
        if (err) reply(fd, "ERR %s: %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
        else reply(fd, "OK");
}

#define NEED(n)                                                                \
        do {                                                                   \
                if (argc != (n)) {                                             \
                        reply(fd, "ERR %s takes %d argument(s)", argv[0],      \
                              (n)-1);                                          \
                        return;                                                \
                }                                                              \
        } while (0)
#define INT(i, var)                                                            \
        long var;                                                              \
        if (parse_int(argv[i], &var)) {                                        \
                reply(fd, "ERR not a number: %s", argv[i]);                    \
                return;                                                        \
        }
#define ERRCODE(i, var)                                                        \
        rd_kafka_resp_err_t var;                                               \
        if (parse_err(argv[i], &var)) {                                        \
                reply(fd, "ERR unknown error code: %s", argv[i]);              \
                return;                                                        \
        }

static void command(int fd, int argc, char **argv) {
        const char *c = argv[0];
        if (!strcasecmp(c, "PING")) {
                reply(fd, "OK");
        } else if (!strcasecmp(c, "BOOTSTRAP")) {
                reply(fd, "OK %s", rd_kafka_mock_cluster_bootstraps(mcluster));
        } else if (!strcasecmp(c, "CREATE_TOPIC")) {
                NEED(4);
                INT(2, partitions);
                INT(3, rf);
                reply_err(fd, rd_kafka_mock_topic_create(mcluster, argv[1], (int)partitions, (int)rf));
        } else if (!strcasecmp(c, "PUSH_ERRORS")) {
                if (argc < 3) { reply(fd, "ERR PUSH_ERRORS <apiKey> <err>..."); return; }
                INT(1, api);
                rd_kafka_resp_err_t errs[MAX_WORDS];
                for (int i = 2; i < argc; i++) {
                        ERRCODE(i, e);
                        errs[i - 2] = e;
                }
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)api, argc - 2, errs);
                reply(fd, "OK");
        } else if (!strcasecmp(c, "FAIL")) {
                NEED(4);
                INT(1, api);
                INT(2, count);
                ERRCODE(3, e);
                if (count < 0 || count > 100000) { reply(fd, "ERR count out of range"); return; }
                rd_kafka_resp_err_t *errs = calloc(count ? count : 1, sizeof(*errs));
                for (long i = 0; i < count; i++) errs[i] = e;
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)api, (size_t)count, errs);
                free(errs);
                reply(fd, "OK");
        } else if (!strcasecmp(c, "BROKER_PUSH_ERRORS")) {
                if (argc < 4) { reply(fd, "ERR BROKER_PUSH_ERRORS <broker> <apiKey> <err>:<rttMs>..."); return; }
                INT(1, broker);
                INT(2, api);
                /* The API is varargs-only; pushing one tuple at a time keeps the order, since each
                 * push appends to the end of the broker's stack. */
                for (int i = 3; i < argc; i++) {
                        char *colon = strchr(argv[i], ':');
                        long rtt = 0;
                        if (colon) {
                                *colon = 0;
                                if (parse_int(colon + 1, &rtt)) { reply(fd, "ERR bad rtt in %s", argv[i]); return; }
                        }
                        ERRCODE(i, e);
                        rd_kafka_resp_err_t r = rd_kafka_mock_broker_push_request_error_rtts(
                            mcluster, (int32_t)broker, (int16_t)api, 1, e, (int)rtt);
                        if (r) { reply_err(fd, r); return; }
                }
                reply(fd, "OK");
        } else if (!strcasecmp(c, "CLEAR_ERRORS")) {
                NEED(2);
                INT(1, api);
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)api);
                reply(fd, "OK");
        } else if (!strcasecmp(c, "ERROR_COUNT")) {
                NEED(3);
                INT(1, broker);
                INT(2, api);
                size_t cnt = 0;
                rd_kafka_resp_err_t r = rd_kafka_mock_broker_error_stack_cnt(mcluster, (int32_t)broker, (int16_t)api, &cnt);
                if (r) { reply_err(fd, r); return; }
                reply(fd, "OK %zu", cnt);
        } else if (!strcasecmp(c, "TOPIC_ERROR")) {
                NEED(3);
                ERRCODE(2, e);
                rd_kafka_mock_topic_set_error(mcluster, argv[1], e);
                reply(fd, "OK");
        } else if (!strcasecmp(c, "BROKER_DOWN")) {
                NEED(2);
                INT(1, broker);
                reply_err(fd, rd_kafka_mock_broker_set_down(mcluster, (int32_t)broker));
        } else if (!strcasecmp(c, "BROKER_UP")) {
                NEED(2);
                INT(1, broker);
                reply_err(fd, rd_kafka_mock_broker_set_up(mcluster, (int32_t)broker));
        } else if (!strcasecmp(c, "DISCONNECT")) {
                /* The mock API has no "close connections" call; set_down closes every
                 * connection of the broker, set_up right after lets clients reconnect. */
                NEED(2);
                INT(1, broker);
                rd_kafka_resp_err_t r = rd_kafka_mock_broker_set_down(mcluster, (int32_t)broker);
                if (!r) r = rd_kafka_mock_broker_set_up(mcluster, (int32_t)broker);
                reply_err(fd, r);
        } else if (!strcasecmp(c, "RTT")) {
                NEED(3);
                INT(1, broker);
                INT(2, ms);
                reply_err(fd, rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)broker, (int)ms));
        } else if (!strcasecmp(c, "RACK")) {
                NEED(3);
                INT(1, broker);
                reply_err(fd, rd_kafka_mock_broker_set_rack(mcluster, (int32_t)broker, argv[2]));
        } else if (!strcasecmp(c, "LEADER")) {
                NEED(4);
                INT(2, partition);
                INT(3, broker);
                reply_err(fd, rd_kafka_mock_partition_set_leader(mcluster, argv[1], (int32_t)partition, (int32_t)broker));
        } else if (!strcasecmp(c, "FOLLOWER")) {
                NEED(4);
                INT(2, partition);
                INT(3, broker);
                reply_err(fd, rd_kafka_mock_partition_set_follower(mcluster, argv[1], (int32_t)partition, (int32_t)broker));
        } else if (!strcasecmp(c, "COORDINATOR")) {
                NEED(4);
                INT(3, broker);
                reply_err(fd, rd_kafka_mock_coordinator_set(mcluster, argv[1], argv[2], (int32_t)broker));
        } else if (!strcasecmp(c, "APIVERSION")) {
                NEED(4);
                INT(1, api);
                INT(2, min);
                INT(3, max);
                reply_err(fd, rd_kafka_mock_set_apiversion(mcluster, (int16_t)api, (int16_t)min, (int16_t)max));
        } else if (!strcasecmp(c, "SHUTDOWN")) {
                reply(fd, "OK");
                stop_requested = 1;
        } else {
                reply(fd, "ERR unknown command %s", c);
        }
}

/* Split one line into words and run it. */
static void handle_line(int fd, char *line) {
        char *argv[MAX_WORDS];
        int argc = 0;
        for (char *tok = strtok(line, " \t\r"); tok && argc < MAX_WORDS; tok = strtok(NULL, " \t\r"))
                argv[argc++] = tok;
        if (argc == 0) { reply(fd, "ERR empty command"); return; }
        command(fd, argc, argv);
}

static void usage(const char *why) {
        fprintf(stderr, "mock-cluster: %s\nusage: mock-cluster [--brokers N] [--control-port P] [--state DIR]\n", why);
        exit(2);
}

int main(int argc, char **argv) {
        long brokers = 1, control_port = 0;
        int watch_stdin = 0;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--exit-on-stdin-eof")) {
                        watch_stdin = 1;
                        continue;
                }
                if (i + 1 >= argc) usage("missing value");
                if (!strcmp(argv[i], "--brokers")) {
                        if (parse_int(argv[++i], &brokers) || brokers < 1) usage("bad --brokers");
                } else if (!strcmp(argv[i], "--control-port")) {
                        if (parse_int(argv[++i], &control_port)) usage("bad --control-port");
                } else if (!strcmp(argv[i], "--state")) {
                        i++;
                } else {
                        usage(argv[i]);
                }
        }

        /* The mock cluster lives inside an rd_kafka_t; a producer handle with default config is
         * enough (it never sends anything itself). */
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "client.id", "kafka-wire-mock", errstr, sizeof(errstr)))
                usage(errstr);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new failed: %s\n", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                return 1;
        }

        int lfd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in addr = {0};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons((uint16_t)control_port);
        if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 16)) {
                perror("control socket");
                return 1;
        }
        socklen_t alen = sizeof(addr);
        getsockname(lfd, (struct sockaddr *)&addr, &alen);

        struct sigaction sa = {0};
        sa.sa_handler = on_signal; /* no SA_RESTART: poll() must return EINTR */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        printf("READY bootstrap=%s control=%d brokers=%ld\n", rd_kafka_mock_cluster_bootstraps(mcluster),
               ntohs(addr.sin_port), brokers);
        fflush(stdout);

        /* Serve any number of control connections (each test worker may hold one). */
        client_t clients[MAX_CLIENTS];
        int nclients = 0;
        while (!stop_requested) {
                struct pollfd pfds[MAX_CLIENTS + 2];
                pfds[0].fd = lfd;
                pfds[0].events = POLLIN;
                for (int i = 0; i < nclients; i++) {
                        pfds[i + 1].fd = clients[i].fd;
                        pfds[i + 1].events = POLLIN;
                }
                int nfds = nclients + 1;
                if (watch_stdin) {
                        pfds[nfds].fd = STDIN_FILENO;
                        pfds[nfds].events = POLLIN;
                        nfds++;
                }
                if (poll(pfds, nfds, 1000) < 0) {
                        if (errno == EINTR) continue;
                        perror("poll");
                        break;
                }
                if (watch_stdin && pfds[nfds - 1].revents) {
                        char scratch[256];
                        if (read(STDIN_FILENO, scratch, sizeof(scratch)) <= 0) {
                                fprintf(stderr, "mock-cluster: stdin closed, exiting\n");
                                break;
                        }
                }
                for (int i = nclients - 1; i >= 0; i--) {
                        if (!(pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                        client_t *cl = &clients[i];
                        ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len, 0);
                        if (r <= 0) {
                                close(cl->fd);
                                clients[i] = clients[--nclients];
                                continue;
                        }
                        cl->len += (size_t)r;
                        char *nl;
                        while (!stop_requested && (nl = memchr(cl->buf, '\n', cl->len))) {
                                *nl = 0;
                                handle_line(cl->fd, cl->buf);
                                size_t used = (size_t)(nl - cl->buf) + 1;
                                memmove(cl->buf, nl + 1, cl->len - used);
                                cl->len -= used;
                        }
                        if (cl->len == sizeof(cl->buf) - 1) { /* no newline in 4 KiB */
                                reply(cl->fd, "ERR line too long");
                                close(cl->fd);
                                clients[i] = clients[--nclients];
                        }
                }
                if (pfds[0].revents & POLLIN) {
                        int cfd = accept(lfd, NULL, NULL);
                        if (cfd >= 0) {
                                if (nclients == MAX_CLIENTS) {
                                        reply(cfd, "ERR too many control connections");
                                        close(cfd);
                                } else {
                                        clients[nclients].fd = cfd;
                                        clients[nclients].len = 0;
                                        nclients++;
                                }
                        }
                }
        }

        for (int i = 0; i < nclients; i++) close(clients[i].fd);
        close(lfd);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        fprintf(stderr, "mock-cluster: stopped\n");
        return 0;
}
