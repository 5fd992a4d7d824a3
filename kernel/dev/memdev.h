/*
 * /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom (memdev.c).
 */
#pragma once

void memdev_init(void);
