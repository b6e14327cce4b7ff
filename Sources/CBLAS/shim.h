// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the default include path).
#include <cblas.h>
// Thread control: DivTune decides how many BLAS threads run so they never oversubscribe the cores.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
