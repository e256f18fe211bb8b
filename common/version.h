#ifndef WAIAAS_VERSION_H
#define WAIAAS_VERSION_H
#define WAIAAS_VERSION	"0.1.0"
#endif
