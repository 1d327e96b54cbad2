/* Asks the real dynamic linker what our linker rule claims to mirror. Usage:
 *   dlsym-probe LIBRARY < queries
 * Each query line is "name" (dlsym) or "name version" (dlvsym). Each answer line is
 * "none" (not found), "zero" (found, at address 0: an absolute symbol of value 0), "here OFFSET" (found in LIBRARY, OFFSET = address - load bias, hex),
 * "elsewhere" (found in another object: one of LIBRARY's dependencies) or "unmapped" (found
 * at an address no object covers: a TLS variable of this thread). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 2;
  }
  struct link_map *self = NULL;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &self) != 0) return 2;
  static char line[65536];
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    char *version = strchr(line, ' ');
    if (version != NULL) *version++ = '\0';
    dlerror();
    void *found = version != NULL ? dlvsym(handle, line, version) : dlsym(handle, line);
    /* A found symbol whose address is 0 comes back as NULL with no error to read. */
    const char *error = found == NULL ? dlerror() : NULL;
    Dl_info info;
    struct link_map *owner = NULL;
    if (found == NULL) puts(error != NULL ? "none" : "zero");
    else if (dladdr1(found, &info, (void **) &owner, RTLD_DL_LINKMAP) == 0) puts("unmapped");
    else if (owner == self) printf("here %lx\n", (unsigned long) ((char *) found - (char *) self->l_addr));
    else puts("elsewhere");
  }
  return 0;
}
