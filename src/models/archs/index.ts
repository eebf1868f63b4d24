// Every architecture file registers itself on import.
export {};
import './mobilenetv2.js';
import './mobilenetv3.js';
import './mnasnet.js';
import './efficientnet.js';
import './convnext.js';
import './resnet.js';
import './preact-resnet.js';
import './squeezenet.js';
import './vgg.js';
import './alexnet.js';
import './densenet.js';
import './mobilenet.js';
import './xception.js';
import './inception-resnet-v2.js';
import './nasnet.js';
import './inception.js';
