/* Issue 18: does this machine's libgit2 leak on every git_remote_lookup? (libgit2 PR #6382, the
 * pcre2 match data of config lookups, fixed upstream in 1.6; Debian bookworm ships 1.5.1.)
 * Built with -fsanitize=address by scripts/leakcheck.sh; usage: remote_lookup REPO N. */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: remote_lookup REPO N\n"); return 2; }
    int n = atoi(argv[2]);
    git_libgit2_init();
    git_repository *repo = NULL;
    if (git_repository_open(&repo, argv[1]) != 0) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
    for (int i = 0; i < n; i++) {
        git_remote *remote = NULL;
        if (git_remote_lookup(&remote, repo, "origin") != 0) { fprintf(stderr, "no remote origin\n"); return 1; }
        git_remote_free(remote);
    }
    git_repository_free(repo);
    git_libgit2_shutdown();
    return 0;
}
