/*
 * bindshim: per-pod networking for the rivven-render testbed.
 *
 * On a real cluster every pod has its own network namespace, so a program binding the wildcard
 * address 0.0.0.0:9092 listens on its pod IP only, and any number of pods can do so at once. The
 * testbed runs pods in the host network namespace, each with its own 127.1.x.y pod IP; without this
 * shim two pods binding 0.0.0.0:9092 collide (EADDRINUSE). The node agent preloads this library into
 * every Rivven container (LD_PRELOAD; the Rivven binaries link glibc dynamically) and tells it the pod
 * IP through RIVVEN_TESTBED_POD_IP. bind() is then rewritten:
 *
 *   AF_INET  0.0.0.0:p  ->  <pod IP>:p
 *   AF_INET6 [::]:p     ->  [::ffff:<pod IP>]:p   (only on dual-stack sockets, IPV6_V6ONLY off)
 *
 * Everything else (specific addresses such as $(POD_IP) or 127.0.0.1, other families, a missing or
 * malformed pod IP) passes through unchanged. The constructor removes both variables from the
 * environment again, so the program sees exactly the environment the pod spec gives it.
 *
 * Built by `testbed/tb build` with the system C compiler: cc -shared -fPIC -O2 bindshim.c -ldl
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define POD_IP_VAR "RIVVEN_TESTBED_POD_IP"
#define SHIM_NAME "bindshim.so"

static struct in_addr pod_ip;
static int have_pod_ip;

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

/* Removes this library's entry from LD_PRELOAD (unsetting it when nothing else is left). */
static void strip_ld_preload(void) {
    const char *value = getenv("LD_PRELOAD");
    if (value == NULL) return;
    char *copy = strdup(value);
    char *rest = malloc(strlen(value) + 1);
    if (copy == NULL || rest == NULL) { free(copy); free(rest); return; }
    rest[0] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(copy, " :", &save); tok != NULL; tok = strtok_r(NULL, " :", &save)) {
        size_t n = strlen(tok), m = strlen(SHIM_NAME);
        if (n >= m && strcmp(tok + n - m, SHIM_NAME) == 0) continue;
        if (rest[0] != '\0') strcat(rest, ":");
        strcat(rest, tok);
    }
    if (rest[0] == '\0') unsetenv("LD_PRELOAD");
    else setenv("LD_PRELOAD", rest, 1);
    free(copy);
    free(rest);
}

__attribute__((constructor)) static void bindshim_init(void) {
    const char *ip = getenv(POD_IP_VAR);
    if (ip != NULL && inet_pton(AF_INET, ip, &pod_ip) == 1) have_pod_ip = 1;
    unsetenv(POD_IP_VAR);
    strip_ld_preload();
}

static bind_fn real_bind(void) {
    static bind_fn fn;
    if (fn == NULL) fn = (bind_fn)dlsym(RTLD_NEXT, "bind");
    return fn;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    bind_fn next = real_bind();
    if (next == NULL) { errno = ENOSYS; return -1; }
    if (!have_pod_ip || addr == NULL) return next(fd, addr, len);

    if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, addr, sizeof in);
        if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
            in.sin_addr = pod_ip;
            return next(fd, (const struct sockaddr *)&in, sizeof in);
        }
    } else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, addr, sizeof in6);
        int v6only = 1;
        socklen_t optlen = sizeof v6only;
        if (IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr) &&
            getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &optlen) == 0 && v6only == 0) {
            memset(&in6.sin6_addr, 0, sizeof in6.sin6_addr);
            in6.sin6_addr.s6_addr[10] = 0xff;
            in6.sin6_addr.s6_addr[11] = 0xff;
            memcpy(&in6.sin6_addr.s6_addr[12], &pod_ip, 4);
            return next(fd, (const struct sockaddr *)&in6, sizeof in6);
        }
    }
    return next(fd, addr, len);
}
