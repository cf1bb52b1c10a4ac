/* ta-callback.c: callbacks that are about to cross threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runners and executors call the functions they are given on threads of
 * their own. C and Python functions run fine there; JavaScript never does:
 * gjs refuses to enter JS off its main thread and, for a callback with a
 * destroy notify, then crashes releasing it there. The library cannot see
 * which language a function pointer belongs to, but it can see two
 * things: whether gjs is loaded in the process at all, and whether the
 * pointer lies inside a loaded object. Native functions always do; the
 * trampolines that language bindings create through libffi never do. In
 * a process running gjs, a trampoline is therefore refused with
 * %TA_ERROR_WRONG_THREAD before it can reach another thread.
 *
 * Outside gjs processes this costs one load of a cached flag.
 */

#include "config.h"

#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include "ta-callback-private.h"
#include "ta-error.h"

static gboolean
ta_gjs_is_loaded (void)
{
  static gsize once = 0;
  static gboolean loaded = FALSE;

  if (g_once_init_enter (&once))
    {
      loaded = dlsym (RTLD_DEFAULT, "gjs_context_get_current") != NULL;
      g_once_init_leave (&once, 1);
    }

  return loaded;
}

static gboolean
ta_callback_is_native (gconstpointer func)
{
  Dl_info info;

  if (dladdr (func, &info) == 0 || info.dli_fname == NULL)
    return FALSE;

  /* Static trampolines are code pages of libffi itself. */
  return strstr (info.dli_fname, "libffi") == NULL;
}

/*
 * ta_callback_check_portable:
 * @func: the function about to be run on another thread
 * @function: the public function it was given to, for the message
 * @user_data: its data
 * @user_data_destroy: (nullable): frees @user_data
 * @error: return location for a #GError
 *
 * Checks that @func may run on another thread. If not, frees @user_data
 * here, on the caller's thread (the only one where that is safe), and
 * fails with %TA_ERROR_WRONG_THREAD.
 */
gboolean
ta_callback_check_portable (gconstpointer    func,
                            const char      *function,
                            gpointer         user_data,
                            GDestroyNotify   user_data_destroy,
                            GError         **error)
{
  if (G_LIKELY (!ta_gjs_is_loaded ()) || ta_callback_is_native (func))
    return TRUE;

  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  g_set_error (error, TA_ERROR, TA_ERROR_WRONG_THREAD,
               "%s() would run a JavaScript function on another thread, "
               "which gjs cannot do; keep JavaScript on the main thread and "
               "await the library's _async operations instead", function);
  return FALSE;
}
